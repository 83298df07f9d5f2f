export * from './answer-engine.module.js';
export * from './answer-engine.service.js';
export * from './follow-up.js';
export * from './kb-retrieval.js';
export * from './tenant-answer-settings.service.js';

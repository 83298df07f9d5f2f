export * from './answer-engine.module.js';
export * from './answer-engine.service.js';
export * from './follow-up.js';

export * from './kb-entry.entity.js';
export * from './kb-entry.js';
export * from './knowledge.module.js';
export * from './knowledge.repository.js';
export * from './knowledge.service.js';

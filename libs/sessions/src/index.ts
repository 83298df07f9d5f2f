export * from './history.repository.js';
export * from './sessions.module.js';
export * from './turn.js';

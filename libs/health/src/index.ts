export * from './drain-state.service.js';
export * from './graceful-shutdown.js';
export * from './health.module.js';

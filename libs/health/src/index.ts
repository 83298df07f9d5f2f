export * from './drain-state.service.js';
export * from './health.module.js';

export * from './http-metrics.js';
export * from './metrics.module.js';
export * from './metrics.service.js';
export * from './queue-metrics.service.js';

export * from './audit-retry.js';
export * from './job-contracts.js';
export * from './queue.module.js';

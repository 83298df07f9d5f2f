export * from './job-contracts.js';
export * from './queue.module.js';

export * from './breaker-registry.js';
export * from './bulkhead-registry.js';
export * from './deadline.js';
export * from './deadline-retry.policy.js';

export * from './auth-failure-limiter.service.js';
export * from './client-ip.js';
export * from './rate-limit.module.js';
export * from './rate-limiter.service.js';

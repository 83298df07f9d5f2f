export * from './event-bus.service.js';
export * from './redis-errors.js';
export * from './redis.service.js';
export * from './redis.module.js';
export * from './token-bucket.lua.js';

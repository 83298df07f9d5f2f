export * from './event-bus.service.js';
export * from './redis.service.js';
export * from './redis.module.js';

export * from './app-config.js';
export * from './auth.config.js';
export * from './core.module.js';
export * from './database.config.js';
export * from './redis.config.js';
export * from './runtime.config.js';

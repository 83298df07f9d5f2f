export * from './log-context.js';
export * from './logger.js';
export * from './nest-logger.js';
export * from './pii.js';
export * from './trace-context.js';
export * from './tokens.js';
export * from './repeat-throttle.js';

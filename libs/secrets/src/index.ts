export * from './secret-box.js';
export * from './secret-context.js';
export * from './secret-token.js';

export * from './auth.module.js';
export * from './end-user-token.service.js';

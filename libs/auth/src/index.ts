export * from './auth.module.js';
export * from './end-user-token.service.js';
export * from './token-revocation.service.js';

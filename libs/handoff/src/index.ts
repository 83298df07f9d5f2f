export * from './handoff-intent.js';
export * from './handoff-signature.js';
export * from './handoff-webhook.sender.js';
export * from './handoff.module.js';
export * from './handoff.service.js';

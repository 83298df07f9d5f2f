export * from './audit-batcher.service.js';
export * from './audit-log.entity.js';
export * from './audit-recorder.service.js';
export * from './audit.repository.js';
export * from './audit.module.js';

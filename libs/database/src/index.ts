export * from './data-source.js';
export * from './database-errors.js';
export * from './database.module.js';
export * from './entities.js';
export * from './tenant-db.service.js';

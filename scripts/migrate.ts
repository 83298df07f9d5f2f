import 'reflect-metadata';
import { AppConfig } from '#config';
import { runMigrations } from '#database';
import { createLogger } from '#observability';

// `npm run migrate`: applies pending migrations as the schema owner (MIGRATION_DATABASE_URL,
// defaulting to DATABASE_URL). Safe to run repeatedly and from several pods at once.
const config = AppConfig.fromEnv();
const logger = createLogger({ level: config.runtime.logLevel, app: 'migrate' });
try {
  const applied = await runMigrations(config.database.migrationUrl);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'schema up to date');
} catch (error) {
  logger.fatal({ err: (error as Error).message }, 'migration failed');
  process.exitCode = 1;
}

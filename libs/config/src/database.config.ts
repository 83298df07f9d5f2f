import type { EnvReader } from './env-reader.js';

export interface DatabaseConfig {
  /** The apps' connection. */
  url: string;
  /** The schema owner's connection, used by `npm run migrate`. */
  migrationUrl: string;
  poolSize: number;
}

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/fengda';

export const readDatabaseConfig = (env: EnvReader): DatabaseConfig => {
  const url = env.url('DATABASE_URL', DEFAULT_DATABASE_URL, ['postgres:', 'postgresql:']);
  return {
    url,
    migrationUrl: env.url('MIGRATION_DATABASE_URL', url, ['postgres:', 'postgresql:']),
    poolSize: env.int('DATABASE_POOL_SIZE', 10, 1, 200),
  };
};

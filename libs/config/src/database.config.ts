import type { EnvReader } from './env-reader.js';

export interface DatabaseConfig {
  /** The apps' connection. */
  url: string;
  /** The schema owner's connection, used by `npm run migrate`. */
  migrationUrl: string;
  poolSize: number;
}

/** The apps connect as the unprivileged `fengda_app` role (row-level security applies to it). */
export const DEFAULT_DATABASE_URL = 'postgres://fengda_app@127.0.0.1:5432/fengda';
/** Migrations run as the schema owner, which creates `fengda_app`. */
export const DEFAULT_MIGRATION_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/fengda';

export const readDatabaseConfig = (env: EnvReader): DatabaseConfig => {
  const url = env.url('DATABASE_URL', DEFAULT_DATABASE_URL, ['postgres:', 'postgresql:']);
  // An explicit DATABASE_URL without a migration URL means one role for both (the contract);
  // with neither set, the local defaults split owner and app role.
  const migrationDefault = env.string('DATABASE_URL') ? url : DEFAULT_MIGRATION_DATABASE_URL;
  return {
    url,
    migrationUrl: env.url('MIGRATION_DATABASE_URL', migrationDefault, ['postgres:', 'postgresql:']),
    poolSize: env.int('DATABASE_POOL_SIZE', 10, 1, 200),
  };
};

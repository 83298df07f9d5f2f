import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../../migrations/index.js';
import { ENTITIES } from './entities.js';

/** A data source for scripts and migrations (the apps get theirs through TypeOrmModule). */
export const createDataSource = (url: string, poolSize = 2): DataSource =>
  new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'fengda_migrations',
    migrationsTransactionMode: 'each',
    poolSize,
    logging: false,
  });

// Arbitrary constant shared by every migrating process: two pods starting together must not
// both run the same migration.
const MIGRATION_LOCK_ID = 7_214_003;

/** Applies pending migrations under an advisory lock; idempotent. Returns the names applied. */
export const runMigrations = async (url: string): Promise<string[]> => {
  const dataSource = await createDataSource(url).initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations();
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await lock.release();
    await dataSource.destroy();
  }
};

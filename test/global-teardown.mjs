import { deletePrefixedKeys, dropDatabase } from '../scripts/ensure-services.mjs';

/** Drops the run's database and deletes every Redis key the run wrote. */
export default async function globalTeardown() {
  const databaseUrl = process.env.FENGDA_TEST_DATABASE_URL;
  const prefix = process.env.FENGDA_TEST_REDIS_PREFIX;
  if (prefix) await deletePrefixedKeys(process.env.FENGDA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0', prefix);
  if (databaseUrl && !process.env.KEEP_TEST_DATABASE) await dropDatabase(databaseUrl);
}

import { randomBytes } from 'node:crypto';
import { ensureDatabase, ensurePostgres, ensureRedis } from '../scripts/ensure-services.mjs';

/**
 * One fresh database and one Redis key prefix per test run, so runs never collide with each
 * other or with a running demo. (Migrations are applied by test/setup-migrations.ts, inside
 * Jest's module system, through the same runner as `npm run migrate`.)
 */
export default async function globalSetup() {
  const server = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const databaseUrl = `${server}/fengda_test_${runId}`;
  await ensurePostgres(`${server}/postgres`);
  await ensureRedis(redisUrl);
  await ensureDatabase(databaseUrl);
  // The schema owner (migrations, direct checks) …
  process.env.FENGDA_TEST_DATABASE_URL = databaseUrl;
  // … and the unprivileged role the apps use, as in production (created by the RLS migration).
  const appUrl = new URL(databaseUrl);
  appUrl.username = 'fengda_app';
  appUrl.password = '';
  process.env.FENGDA_TEST_APP_DATABASE_URL = appUrl.toString();
  process.env.FENGDA_TEST_REDIS_URL = redisUrl;
  process.env.FENGDA_TEST_REDIS_PREFIX = `fdtest-${runId}`;
}

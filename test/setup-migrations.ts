import { beforeAll } from '@jest/globals';
import { runMigrations } from '#database';

// Every test file starts from the migrated schema of this run's database. The runner holds an
// advisory lock and skips applied migrations, so only the first file does any work.
beforeAll(async () => {
  const url = process.env.FENGDA_TEST_DATABASE_URL;
  if (url) await runMigrations(url);
});

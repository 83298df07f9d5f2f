import { Redis } from 'ioredis';
import { dropDatabase } from '../scripts/ensure-services.mjs';

/** Drops the run's database and deletes every Redis key the run wrote. */
export default async function globalTeardown() {
  const databaseUrl = process.env.FENGDA_TEST_DATABASE_URL;
  const prefix = process.env.FENGDA_TEST_REDIS_PREFIX;
  if (prefix) {
    const redis = new Redis(process.env.FENGDA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0', { protocol: 2 });
    for (const pattern of [`${prefix}:*`, `{${prefix}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
    redis.disconnect();
  }
  if (databaseUrl && !process.env.KEEP_TEST_DATABASE) await dropDatabase(databaseUrl);
}

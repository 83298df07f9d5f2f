import type { EnvReader } from './env-reader.js';

export interface RedisConfig {
  url: string;
  /**
   * Prefix of every key this deployment writes (history, queues, pub/sub channels). Lets
   * several deployments, or a test run next to a running demo, share one Redis safely.
   */
  prefix: string;
}

export const readRedisConfig = (env: EnvReader): RedisConfig => {
  const prefix = env.string('REDIS_PREFIX', 'fd');
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(prefix)) env.problem('REDIS_PREFIX must be 1-40 chars of [A-Za-z0-9_-]');
  return { url: env.url('REDIS_URL', 'redis://127.0.0.1:6379/0', ['redis:', 'rediss:']), prefix };
};

import { describe, it, expect } from '@jest/globals';
import { AppConfig } from './app-config.js';

const GOOD_SECRET = 'a'.repeat(32) + '-production-jwt-secret';
const GOOD_ADMIN = 'admin-token-0123456789abcdef';
const GOOD_KEY = Buffer.alloc(32, 7).toString('base64');

/** fromEnv throws synchronously (a plain Error); wrap it so failures can be asserted with `.rejects`. */
const problemsOf = (env: Record<string, string | undefined>): Promise<AppConfig> => Promise.resolve().then(() => AppConfig.fromEnv(env));

describe('AppConfig.fromEnv', () => {
  it('applies defaults for an empty environment', () => {
    const config = AppConfig.fromEnv({});
    expect(config.runtime.port).toBe(3000);
    expect(config.runtime.workerPort).toBe(3001);
    expect(config.runtime.production).toBe(false);
    expect(config.runtime.logLevel).toBe('info');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379/0');
    expect(config.redis.prefix).toBe('fd');
    expect(config.database.url).toBe('postgres://fengda_app@127.0.0.1:5432/fengda');
    expect(config.database.migrationUrl).toBe('postgres://postgres@127.0.0.1:5432/fengda');
    expect(config.auth.jwtTtlSec).toBe(900);
    expect(config.auth.issuer).toBe('fengda');
    expect(config.auth.audience).toBe('fengda-chat');
    expect(config.auth.jwtSecret.length).toBeGreaterThan(0);
    expect(config.auth.adminToken.length).toBeGreaterThan(0);
  });

  it('treats empty strings as unset', () => {
    const config = AppConfig.fromEnv({ PORT: '', REDIS_PREFIX: '', DATABASE_URL: '' });
    expect(config.runtime.port).toBe(3000);
    expect(config.redis.prefix).toBe('fd');
    expect(config.database.url).toBe('postgres://fengda_app@127.0.0.1:5432/fengda');
    expect(config.database.migrationUrl).toBe('postgres://postgres@127.0.0.1:5432/fengda');
  });

  it('reads explicit values', () => {
    const config = AppConfig.fromEnv({
      PORT: '8080',
      WORKER_PORT: '9090',
      REDIS_URL: 'rediss://cache.internal:6380/2',
      REDIS_PREFIX: 'fd_staging-1',
      DATABASE_URL: 'postgresql://app@db:5432/fengda',
      JWT_TTL_SECONDS: '60',
    });
    expect(config.runtime.port).toBe(8080);
    expect(config.runtime.workerPort).toBe(9090);
    expect(config.redis.url).toBe('rediss://cache.internal:6380/2');
    expect(config.redis.prefix).toBe('fd_staging-1');
    expect(config.database.url).toBe('postgresql://app@db:5432/fengda');
    expect(config.auth.jwtTtlSec).toBe(60);
  });

  it('defaults migrationUrl to DATABASE_URL, but honours MIGRATION_DATABASE_URL', () => {
    expect(AppConfig.fromEnv({ DATABASE_URL: 'postgres://app@db/x' }).database.migrationUrl).toBe('postgres://app@db/x');
    const config = AppConfig.fromEnv({ DATABASE_URL: 'postgres://app@db/x', MIGRATION_DATABASE_URL: 'postgres://owner@db/x' });
    expect(config.database.url).toBe('postgres://app@db/x');
    expect(config.database.migrationUrl).toBe('postgres://owner@db/x');
  });

  it.each(['abc', '70000', '-1', '3000.5'])('rejects PORT=%s naming the variable', async (port) => {
    await expect(problemsOf({ PORT: port })).rejects.toThrow(/PORT must be an integer/);
  });

  it('lists every problem in one error', async () => {
    const failing = problemsOf({ PORT: 'x', WORKER_PORT: 'y', LOG_LEVEL: 'loud' });
    await expect(failing).rejects.toThrow(/^Invalid configuration:/);
    await expect(failing).rejects.toThrow(/\bPORT must be an integer between 0 and 65535 \(got "x"\)/);
    await expect(failing).rejects.toThrow(/WORKER_PORT must be an integer between 0 and 65535 \(got "y"\)/);
    await expect(failing).rejects.toThrow(/LOG_LEVEL must be one of/);
  });

  it('rejects URLs with the wrong protocol or that do not parse', async () => {
    await expect(problemsOf({ REDIS_URL: 'http://127.0.0.1:6379' })).rejects.toThrow(/REDIS_URL must use redis: or rediss:/);
    await expect(problemsOf({ DATABASE_URL: 'mysql://db/x' })).rejects.toThrow(/DATABASE_URL must use postgres:/);
    await expect(problemsOf({ DATABASE_URL: 'not a url' })).rejects.toThrow(/DATABASE_URL is not a valid URL/);
  });

  it.each(['has space', 'a:b', 'x'.repeat(41), 'weird*'])('rejects REDIS_PREFIX=%s', async (prefix) => {
    await expect(problemsOf({ REDIS_PREFIX: prefix })).rejects.toThrow(/REDIS_PREFIX/);
  });

  describe('in production', () => {
    it('requires JWT_SECRET and ADMIN_TOKEN, naming both', async () => {
      const failing = problemsOf({ NODE_ENV: 'production' });
      await expect(failing).rejects.toThrow(/ADMIN_TOKEN/);
      await expect(failing).rejects.toThrow(/JWT_SECRET/);
    });

    it('rejects a short JWT_SECRET and ADMIN_TOKEN', async () => {
      const failing = problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31), ADMIN_TOKEN: 'y'.repeat(23) });
      await expect(failing).rejects.toThrow(/ADMIN_TOKEN is required in production/);
      await expect(failing).rejects.toThrow(/JWT_SECRET is required in production/);
    });

    it('rejects the development defaults', async () => {
      await expect(
        problemsOf({
          NODE_ENV: 'production',
          JWT_SECRET: 'dev-only-jwt-secret-do-not-use-in-production',
          ADMIN_TOKEN: GOOD_ADMIN,
        }),
      ).rejects.toThrow(/JWT_SECRET/);
    });

    it('names only the variable that is wrong', async () => {
      const failing = problemsOf({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET });
      await expect(failing).rejects.toThrow(/ADMIN_TOKEN/);
      await expect(failing).rejects.not.toThrow(/JWT_SECRET/);
    });

    it('requires SECRETS_ENCRYPTION_KEY, and it must be base64 of 32 bytes', async () => {
      await expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, ADMIN_TOKEN: GOOD_ADMIN })).rejects.toThrow(/SECRETS_ENCRYPTION_KEY is required in production/);
      const short = Buffer.alloc(16, 1).toString('base64');
      await expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, ADMIN_TOKEN: GOOD_ADMIN, SECRETS_ENCRYPTION_KEY: short })).rejects.toThrow(/SECRETS_ENCRYPTION_KEY must be base64 of exactly 32 bytes/);
    });

    it('accepts a valid production configuration', () => {
      const config = AppConfig.fromEnv({ NODE_ENV: 'production', JWT_SECRET: GOOD_SECRET, ADMIN_TOKEN: GOOD_ADMIN, SECRETS_ENCRYPTION_KEY: GOOD_KEY });
      expect(config.secrets).toMatchObject({ currentVersion: 'v1', usingDevelopmentKey: false });
      expect(config.secrets.keys.v1).toEqual(Buffer.alloc(32, 7));
      expect(config.runtime.production).toBe(true);
      expect(config.auth.jwtSecret).toBe(GOOD_SECRET);
      expect(config.auth.adminToken).toBe(GOOD_ADMIN);
    });
  });

  it('does not require secrets outside production', () => {
    expect(() => AppConfig.fromEnv({ NODE_ENV: 'test' })).not.toThrow();
    expect(AppConfig.fromEnv({}).secrets).toMatchObject({ usingDevelopmentKey: true });
    expect(AppConfig.fromEnv({}).secrets.keys.v1).toHaveLength(32);
  });

  it('accepts URL-safe base64 keys and the LLM_KEY_ENCRYPTION_KEY alias', () => {
    const key = Buffer.alloc(32, 0xfb);
    expect(AppConfig.fromEnv({ SECRETS_ENCRYPTION_KEY: key.toString('base64url') }).secrets.keys.v1).toEqual(key);
    expect(AppConfig.fromEnv({ LLM_KEY_ENCRYPTION_KEY: key.toString('base64') }).secrets.keys.v1).toEqual(key);
  });

  it('reads the LLM and handoff limits with the documented defaults', () => {
    const config = AppConfig.fromEnv({ LLM_BREAKER_HALF_OPEN_MS: '250' });
    expect(config.llm).toMatchObject({ breakerFailures: 5, breakerHalfOpenMs: 250, bulkheadPerTenant: 20, deadlineMarginMs: 100 });
    expect(config.handoff).toMatchObject({ webhookAttempts: 8 });
  });
});

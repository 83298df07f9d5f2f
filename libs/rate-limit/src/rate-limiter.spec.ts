import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { DomainError, ErrorCode } from '#common';
import { AppConfig } from '#config';
import { createLogger } from '#observability';
import { RedisService } from '#redis';
import type { TenantCacheService } from '#tenancy';
import { RateLimiter } from './rate-limiter.service.js';

// Integration test on the run's real Redis (global setup provides it and a key prefix).
describe('RateLimiter (token buckets in one Lua call)', () => {
  const config = AppConfig.fromEnv({ NODE_ENV: 'test', REDIS_URL: process.env.FENGDA_TEST_REDIS_URL, REDIS_PREFIX: process.env.FENGDA_TEST_REDIS_PREFIX });
  const logger = createLogger({ level: 'silent', app: 'test' });
  const noTenants = { get: async () => null } as unknown as TenantCacheService;
  let redis: RedisService;
  let limiter: RateLimiter;
  const tenant = (): string => `rl-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    redis = new RedisService(config, logger);
    await redis.ready();
    limiter = new RateLimiter(redis, noTenants, logger);
  });

  afterAll(async () => {
    await redis.onApplicationShutdown();
  });

  it('allows the burst, then refuses with the time until the next token', async () => {
    const t = tenant();
    const limits = { tenantPerSec: 1000, tenantBurst: 1000, userPerMin: 60, userBurst: 3 };
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.consume(t, 'u1', limits));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3]).toEqual({ allowed: false, retryAfterSec: 1, limitedBy: 'user' });
  });

  it('is atomic under concurrency: exactly the burst gets through', async () => {
    const t = tenant();
    const limits = { tenantPerSec: 1000, tenantBurst: 1000, userPerMin: 1, userBurst: 10 };
    const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.consume(t, 'u1', limits)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
  });

  it("takes from both buckets or neither: a user refused by their own limit spends none of the tenant's", async () => {
    const t = tenant();
    const limits = { tenantPerSec: 1, tenantBurst: 3, userPerMin: 1, userBurst: 1 };
    expect((await limiter.consume(t, 'greedy', limits)).allowed).toBe(true);
    for (let i = 0; i < 5; i++) expect(await limiter.consume(t, 'greedy', limits)).toMatchObject({ allowed: false, limitedBy: 'user' });
    expect((await limiter.consume(t, 'b', limits)).allowed).toBe(true);
    expect((await limiter.consume(t, 'c', limits)).allowed).toBe(true);
    expect(await limiter.consume(t, 'd', limits)).toMatchObject({ allowed: false, limitedBy: 'tenant', retryAfterSec: 1 });
  });

  it("keeps tenants apart: one tenant's exhausted bucket does not touch another's", async () => {
    const [a, b] = [tenant(), tenant()];
    const limits = { tenantPerSec: 1, tenantBurst: 1, userPerMin: 60, userBurst: 5 };
    expect((await limiter.consume(a, 'u', limits)).allowed).toBe(true);
    expect((await limiter.consume(a, 'v', limits)).allowed).toBe(false);
    expect((await limiter.consume(b, 'u', limits)).allowed).toBe(true);
  });

  it('refills at the configured rate (Redis time)', async () => {
    const t = tenant();
    const limits = { tenantPerSec: 1000, tenantBurst: 1000, userPerMin: 600, userBurst: 1 }; // one token per 100 ms
    expect((await limiter.consume(t, 'u', limits)).allowed).toBe(true);
    expect((await limiter.consume(t, 'u', limits)).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await limiter.consume(t, 'u', limits)).allowed).toBe(true);
  });

  it('writes keys under the configured prefix and the tenant hash tag, and lets idle buckets expire', async () => {
    const t = tenant();
    await limiter.consume(t, 'u1', { tenantPerSec: 10, tenantBurst: 20, userPerMin: 60, userBurst: 10 });
    const userKey = `${process.env.FENGDA_TEST_REDIS_PREFIX}:{rl:${t}}:u:u1`;
    const tenantKey = `${process.env.FENGDA_TEST_REDIS_PREFIX}:{rl:${t}}:tenant`;
    expect(await redis.client.exists(userKey, tenantKey)).toBe(2);
    // One token short of full: refills in 1 s (user) and 0.1 s (tenant), plus a second of slack.
    expect(await redis.client.pttl(userKey)).toBeLessThanOrEqual(2000);
    expect(await redis.client.pttl(tenantKey)).toBeLessThanOrEqual(1100);
  });

  it('admit() throws RATE_LIMITED with retryAfterSec for the Retry-After header', async () => {
    const t = tenant();
    const limits = { tenantPerSec: 1000, tenantBurst: 1000, userPerMin: 2, userBurst: 1 };
    await limiter.admit(t, 'u', limits);
    const refused = limiter.admit(t, 'u', limits);
    await expect(refused).rejects.toBeInstanceOf(DomainError);
    await expect(limiter.admit(t, 'u', limits)).rejects.toMatchObject({ code: ErrorCode.RateLimited, details: { retryAfterSec: 30, limitedBy: 'user' } });
  });
});

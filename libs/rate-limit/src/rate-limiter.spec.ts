import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '#common';
import { AppConfig } from '#config';
import { createLogger } from '#observability';
import { RedisService } from '#redis';
import { RateLimiter } from './rate-limiter.service.js';

// Integration test on the run's real Redis (global setup provides it and a key prefix). The end user's bucket is
// checked in the script that opens a turn: see history.repository.spec.ts.
describe('RateLimiter (the tenant bucket, leased)', () => {
  const config = AppConfig.fromEnv({ NODE_ENV: 'test', REDIS_URL: process.env.FENGDA_TEST_REDIS_URL, REDIS_PREFIX: process.env.FENGDA_TEST_REDIS_PREFIX });
  const logger = createLogger({ level: 'silent', app: 'test' });
  let redis: RedisService;
  let limiter: RateLimiter;
  const tenant = (): string => `rl-${randomBytes(4).toString('hex')}`;
  const limits = (tenantPerSec: number, tenantBurst: number) => ({ tenantPerSec, tenantBurst, userPerMin: 60, userBurst: 10 });
  const outcome = (p: Promise<void>): Promise<string> =>
    p.then(
      () => 'admitted',
      (e: { code?: string; details?: { limitedBy?: string } }) => `${e.code}:${e.details?.limitedBy}`,
    );
  const storedTokens = async (t: string): Promise<number> => Number(await redis.client.hget(`${process.env.FENGDA_TEST_REDIS_PREFIX}:{rl:${t}}:tenant`, 'tokens'));

  beforeAll(async () => {
    redis = new RedisService(config, logger);
    await redis.ready();
    limiter = new RateLimiter(redis, logger);
  });

  afterAll(async () => {
    await redis.onApplicationShutdown();
  });

  it("admits the tenant's burst, then refuses with RATE_LIMITED, limitedBy tenant and the wait", async () => {
    const t = tenant();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await outcome(limiter.admitTenant(t, limits(1, 3))));
    expect(results).toEqual(['admitted', 'admitted', 'admitted', `${ErrorCode.RateLimited}:tenant`]);
    await expect(limiter.admitTenant(t, limits(1, 3))).rejects.toMatchObject({ details: { retryAfterSec: 1, limitedBy: 'tenant' } });
  });

  it('never admits more than the bucket holds, across gateways sharing it and under concurrency', async () => {
    const t = tenant();
    const other = new RateLimiter(redis, logger); // a second gateway replica
    const l = limits(1, 50); // 50 tokens, one more a second
    const turns = Array.from({ length: 120 }, (_, i) => outcome((i % 2 ? limiter : other).admitTenant(t, l)));
    const admitted = (await Promise.all(turns)).filter((r) => r === 'admitted').length;
    expect(admitted).toBeGreaterThanOrEqual(50);
    expect(admitted).toBeLessThanOrEqual(51);
  });

  it("leases a busy tenant's tokens: one Redis call takes up to 20, spent locally", async () => {
    const t = tenant();
    const leasedAt = async (): Promise<string | null> => redis.client.hget(`${process.env.FENGDA_TEST_REDIS_PREFIX}:{rl:${t}}:tenant`, 'ts');
    await limiter.admitTenant(t, limits(1000, 1000)); // 5% of a second's rate: a lease of 20 (at most)
    expect(1000 - (await storedTokens(t))).toBeCloseTo(20, 0);
    const first = await leasedAt();
    for (let i = 0; i < 19; i++) await limiter.admitTenant(t, limits(1000, 1000));
    expect(await leasedAt()).toBe(first); // the other 19 came from the lease: Redis not asked
    await limiter.admitTenant(t, limits(1000, 1000)); // the 21st needs a new lease
    expect(Number(await leasedAt())).toBeGreaterThan(Number(first));
  });

  it('takes one token at a time for small limits, and drops an unused lease after its time', async () => {
    const t = tenant();
    await limiter.admitTenant(t, limits(10, 10)); // 10/s: a lease of 1
    expect(await storedTokens(t)).toBeCloseTo(9, 0);
    const busy = tenant();
    const leasedAt = async (): Promise<string | null> => redis.client.hget(`${process.env.FENGDA_TEST_REDIS_PREFIX}:{rl:${busy}}:tenant`, 'ts');
    await limiter.admitTenant(busy, limits(1000, 1000));
    const first = await leasedAt();
    await limiter.admitTenant(busy, limits(1000, 1000));
    expect(await leasedAt()).toBe(first); // spent from the lease: Redis not asked
    await new Promise((resolve) => setTimeout(resolve, 300));
    await limiter.admitTenant(busy, limits(1000, 1000)); // the lease expired unused: a new one is taken
    expect(Number(await leasedAt())).toBeGreaterThan(Number(first));
  });

  it("gives a refused turn's token back (a turn takes from both buckets or neither)", async () => {
    const t = tenant();
    await limiter.admitTenant(t, limits(1, 1));
    limiter.refundTenant(t);
    expect(await outcome(limiter.admitTenant(t, limits(1, 1)))).toBe('admitted');
    expect(await outcome(limiter.admitTenant(t, limits(1, 1)))).toBe(`${ErrorCode.RateLimited}:tenant`);
  });

  it("keeps tenants apart: one tenant's exhausted bucket does not touch another's", async () => {
    const [a, b] = [tenant(), tenant()];
    expect(await outcome(limiter.admitTenant(a, limits(1, 1)))).toBe('admitted');
    expect(await outcome(limiter.admitTenant(a, limits(1, 1)))).toBe(`${ErrorCode.RateLimited}:tenant`);
    expect(await outcome(limiter.admitTenant(b, limits(1, 1)))).toBe('admitted');
  });

  it('refills at the configured rate (Redis time), and lets an idle bucket expire', async () => {
    const t = tenant();
    expect(await outcome(limiter.admitTenant(t, limits(10, 1)))).toBe('admitted'); // one token per 100 ms
    expect(await outcome(limiter.admitTenant(t, limits(10, 1)))).not.toBe('admitted');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await outcome(limiter.admitTenant(t, limits(10, 1)))).toBe('admitted');
    expect(await redis.client.pttl(`${process.env.FENGDA_TEST_REDIS_PREFIX}:{rl:${t}}:tenant`)).toBeLessThanOrEqual(1100);
  });

  it('fails open when Redis cannot be asked: the limiter never turns a Redis hiccup into refusals', async () => {
    const down = new RedisService(AppConfig.fromEnv({ NODE_ENV: 'test', REDIS_URL: 'redis://127.0.0.1:1/0', REDIS_PREFIX: 'unused' }), logger);
    try {
      await expect(new RateLimiter(down, logger).admitTenant(tenant(), limits(1, 1))).resolves.toBeUndefined();
    } finally {
      await down.onApplicationShutdown();
    }
  });
});

import { describe, expect, it } from '@jest/globals';
import { randomInt } from 'node:crypto';
import { http, uniqueTenantId, type HttpResult } from './support/api-client.js';
import { ADMIN_TOKEN } from './support/test-apps.js';
import { useApps } from './support/use-apps.js';

// The limiter's clock is Redis TIME (one clock for every replica), so refill is tested in real
// time: the test waits exactly the server's own Retry-After, and scheduling delays can only
// add tokens, never take them away.

/** A documentation-range address per test, sent as X-Forwarded-For from the trusted loopback. */
const someIp = (): string => `198.18.${randomInt(0, 255)}.${randomInt(1, 254)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rate limits and brute-force protection', () => {
  const apps = useApps();

  const statuses = (results: HttpResult[]): number[] => results.map((r) => r.status).sort();

  it("refuses a user's burst over their limit with 429 and Retry-After, leaves other users and tenants alone, and refills", async () => {
    const tenant = await apps.api.createTenant(uniqueTenantId('rl-user'), { rateLimit: { userPerMin: 20, userBurst: 3 }, answerDeadlineMs: 300 });
    const other = await apps.api.createTenant(uniqueTenantId('rl-other'), { answerDeadlineMs: 300 });
    const greedy = await apps.api.token(tenant.apiKey, 'greedy');

    const burst = await Promise.all(Array.from({ length: 5 }, (_, i) => apps.api.chat(greedy, `question ${i}`)));
    expect(statuses(burst)).toEqual([200, 200, 200, 429, 429]);
    const refused = burst.find((r) => r.status === 429)!;
    // 20/min is one token every 3 s: the wait is at most 3 s (less if the burst was slow to arrive).
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', details: { retryAfterSec: retryAfter, limitedBy: 'user' } });
    // Refused turns never started: nothing stored, no sequence number spent.
    const stored = await apps.api.conversation(tenant.apiKey, 'greedy');
    expect(stored.body.turns.map((t) => t.seq as number).sort()).toEqual([1, 2, 3]);

    // Same tenant, another user; another tenant: unaffected.
    expect((await apps.api.chat(await apps.api.token(tenant.apiKey, 'patient'), 'hello')).status).toBe(200);
    expect((await apps.api.chat(await apps.api.token(other.apiKey, 'greedy'), 'hello')).status).toBe(200);

    // After Retry-After seconds a token has come back.
    await sleep(retryAfter * 1000);
    const again = await apps.api.chat(greedy, 'and now?');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ seq: 4 });
  });

  it("refuses a tenant's burst over the tenant limit, whichever users send it, and leaves other tenants alone", async () => {
    const tenant = await apps.api.createTenant(uniqueTenantId('rl-tenant'), { rateLimit: { tenantPerSec: 1, tenantBurst: 2 }, answerDeadlineMs: 300 });
    const other = await apps.api.createTenant(uniqueTenantId('rl-calm'), { answerDeadlineMs: 300 });
    const tokens = await Promise.all(['u1', 'u2', 'u3', 'u4'].map((u) => apps.api.token(tenant.apiKey, u)));
    const results = await Promise.all(tokens.map((t) => apps.api.chat(t, 'hello')));
    expect(statuses(results)).toEqual([200, 200, 429, 429]);
    expect(results.find((r) => r.status === 429)!.body).toMatchObject({ code: 'RATE_LIMITED', details: { limitedBy: 'tenant' } });
    expect((await apps.api.chat(await apps.api.token(other.apiKey, 'u1'), 'hello')).status).toBe(200);
  });

  it('validates the limits on write', async () => {
    const bad = await http(`${apps.gateway.url}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id: uniqueTenantId('rl-bad'), name: 'x', config: { rateLimit: { userBurst: 0 } } } });
    expect(bad).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const unknown = await http(`${apps.gateway.url}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id: uniqueTenantId('rl-bad'), name: 'x', config: { rateLimit: { perHour: 5 } } } });
    expect(unknown).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const tenant = await apps.api.createTenant(uniqueTenantId('rl-view'), { rateLimit: { userBurst: 5 } });
    const read = await http(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}`, { token: ADMIN_TOKEN });
    expect(read.body).toMatchObject({ config: { rateLimit: { tenantPerSec: 200, tenantBurst: 400, userPerMin: 30, userBurst: 5 } } });
  });

  it('locks out an IP after 10 wrong admin tokens in a minute, without slowing anyone else', async () => {
    const attacker = someIp();
    const admin = (token: string, ip: string) => http(`${apps.gateway.url}/v1/admin/tenants/no-such-tenant`, { token, headers: { 'x-forwarded-for': ip } });
    for (let i = 0; i < 10; i++) {
      expect(await admin(`guess-${i}`, attacker)).toMatchObject({ status: 401, body: { code: 'INVALID_ADMIN_TOKEN' } });
    }
    const locked = await admin('guess-10', attacker);
    expect(locked).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Even the right token: otherwise 429-vs-200 would keep the guessing going.
    expect((await admin(ADMIN_TOKEN, attacker)).status).toBe(429);
    // Other clients, and the operator's own traffic, are untouched.
    expect(await admin(ADMIN_TOKEN, someIp())).toMatchObject({ status: 404, body: { code: 'TENANT_NOT_FOUND' } });
    expect(await http(`${apps.gateway.url}/v1/admin/tenants/no-such-tenant`, { token: ADMIN_TOKEN })).toMatchObject({ status: 404 });
  });

  it('locks out an IP guessing API keys on POST /v1/auth/token; successful token requests are never limited', async () => {
    const tenant = await apps.api.createTenant(uniqueTenantId('rl-keys'));
    const attacker = someIp();
    const issue = (key: string, ip: string) => http(`${apps.gateway.url}/v1/auth/token`, { token: key, body: { userId: 'u1' }, headers: { 'x-forwarded-for': ip } });
    const guess = (i: number) => `fdk_${'0'.repeat(11)}${i % 10}_${'A'.repeat(32)}`;
    for (let i = 0; i < 20; i++) expect(await issue(guess(i), attacker)).toMatchObject({ status: 401, body: { code: 'INVALID_API_KEY' } });
    expect(await issue(guess(20), attacker)).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    expect((await issue(tenant.apiKey, attacker)).status).toBe(429);

    const integrator = someIp();
    const ok = await Promise.all(Array.from({ length: 40 }, () => issue(tenant.apiKey, integrator)));
    expect(ok.every((r) => r.status === 200)).toBe(true);
  });
});

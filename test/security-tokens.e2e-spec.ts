import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { jwtKeyId } from '#auth';
import { FengdaClient, http, uniqueTenantId } from './support/api-client.js';
import { ADMIN_TOKEN, startGateway, startWorker, type RunningApp } from './support/test-apps.js';
import { TestClock } from './support/test-clock.js';

const OLD_SECRET = 'test-jwt-secret-0123456789abcdef0123456789'; // the suite's default JWT_SECRET
const NEW_SECRET = 'rotated-jwt-secret-9876543210-zyxwvutsrqpon';

describe('end-user tokens: rotation, revocation, disabled tenants, algorithm confusion', () => {
  const clock = new TestClock();
  let oldGateway: RunningApp; // JWT_SECRET = old
  let rotatingGateway: RunningApp; // JWT_SECRET = new, JWT_PREVIOUS_SECRET = old
  let worker: RunningApp;
  let tenant: { id: string; apiKey: string };

  beforeAll(async () => {
    oldGateway = await startGateway({ clock });
    rotatingGateway = await startGateway({ clock, env: { JWT_SECRET: NEW_SECRET, JWT_PREVIOUS_SECRET: OLD_SECRET } });
    worker = await startWorker({ clock });
    tenant = await new FengdaClient(oldGateway.url).createTenant(uniqueTenantId('tokens'), { answerDeadlineMs: 400 });
  });

  afterAll(async () => {
    await oldGateway?.close();
    await rotatingGateway?.close();
    await worker?.close();
  });

  const on = (gateway: RunningApp) => new FengdaClient(gateway.url);

  it('during a rotation, tokens of the previous secret still verify; after it they do not', async () => {
    const oldToken = await on(oldGateway).token(tenant.apiKey, 'rotating-user');
    const newToken = await on(rotatingGateway).token(tenant.apiKey, 'rotating-user');
    expect(jwt.decode(oldToken, { complete: true })?.header.kid).toBe(jwtKeyId(OLD_SECRET));
    expect(jwt.decode(newToken, { complete: true })?.header.kid).toBe(jwtKeyId(NEW_SECRET));

    expect((await on(rotatingGateway).chat(oldToken, 'hello')).status).toBe(200);
    expect((await on(rotatingGateway).chat(newToken, 'hello')).status).toBe(200);
    // A gateway not yet given the new secret does not know its kid.
    expect(await on(oldGateway).chat(newToken, 'hello')).toMatchObject({ status: 401, body: { code: 'INVALID_TOKEN' } });

    const rotated = await startGateway({ clock, env: { JWT_SECRET: NEW_SECRET } });
    try {
      expect(await on(rotated).chat(oldToken, 'hello')).toMatchObject({ status: 401, body: { code: 'INVALID_TOKEN' } });
      expect((await on(rotated).chat(newToken, 'hello')).status).toBe(200);
    } finally {
      await rotated.close();
    }
  });

  it('refuses an unknown kid and algorithm confusion (none, HS512, RS256)', async () => {
    const now = Math.floor(clock.now() / 1000);
    const claims = { tid: tenant.id, sub: 'mallory', jti: 'j1', iat: now, exp: now + 600, iss: 'fengda', aud: 'fengda-chat' };
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = [
      jwt.sign(claims, OLD_SECRET, { algorithm: 'HS256', keyid: 'some-other-key' }),
      jwt.sign(claims, OLD_SECRET, { algorithm: 'HS256' }),
      `${b64({ alg: 'none', typ: 'JWT', kid: jwtKeyId(OLD_SECRET) })}.${b64(claims)}.`,
      jwt.sign(claims, OLD_SECRET, { algorithm: 'HS512', keyid: jwtKeyId(OLD_SECRET) }),
      jwt.sign(claims, privateKey, { algorithm: 'RS256', keyid: jwtKeyId(OLD_SECRET) }),
    ];
    for (const token of forged) {
      expect(await on(oldGateway).chat(token, 'hello')).toMatchObject({ status: 401, body: { code: 'INVALID_TOKEN' } });
    }
  });

  it("revokes one user's tokens on every gateway from the next request; new tokens work, other users are untouched", async () => {
    const other = await on(oldGateway).createTenant(uniqueTenantId('tokens-other'), { answerDeadlineMs: 400 });
    const victim = await on(oldGateway).token(tenant.apiKey, 'stolen-phone');
    const victimElsewhere = await on(rotatingGateway).token(tenant.apiKey, 'stolen-phone');
    const bystander = await on(oldGateway).token(tenant.apiKey, 'bystander');
    const sameIdOtherTenant = await on(oldGateway).token(other.apiKey, 'stolen-phone');
    expect((await on(oldGateway).chat(victim, 'hello')).status).toBe(200);

    const revoked = await http(`${rotatingGateway.url}/v1/auth/revoke`, { token: tenant.apiKey, body: { userId: 'stolen-phone' } });
    expect(revoked).toMatchObject({ status: 200, body: { userId: 'stolen-phone', revokedBefore: expect.any(String) } });

    // (The old-secret gateway cannot verify the new-secret token at all, so it is not asked.)
    for (const [gateway, token] of [[oldGateway, victim], [rotatingGateway, victim], [rotatingGateway, victimElsewhere]] as const) {
      expect(await on(gateway).chat(token, 'hello again')).toMatchObject({ status: 401, body: { code: 'TOKEN_REVOKED' } });
    }
    expect((await on(oldGateway).chat(bystander, 'hello')).status).toBe(200);
    expect((await on(oldGateway).chat(sameIdOtherTenant, 'hello')).status).toBe(200);

    // JWTs carry whole seconds: a token from the revocation's own second is refused too, so
    // the new one is issued a second later.
    clock.advance(1_000);
    const fresh = await on(oldGateway).token(tenant.apiKey, 'stolen-phone');
    expect((await on(rotatingGateway).chat(fresh, 'new phone')).status).toBe(200);

    let audit: { action: string; userId: string; actor: string }[] = [];
    for (let i = 0; i < 50 && audit.length === 0; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      audit = (await http<{ items: typeof audit }>(`${oldGateway.url}/v1/audit?kind=admin&userId=stolen-phone`, { token: tenant.apiKey })).body.items;
    }
    expect(audit[0]).toMatchObject({ action: 'tokens.revoke', userId: 'stolen-phone', actor: expect.stringMatching(/^key:[0-9a-f]{12}$/) });

    expect(await http(`${oldGateway.url}/v1/auth/revoke`, { token: tenant.apiKey, body: { userId: 'has space' } })).toMatchObject({ status: 400 });
    expect(await http(`${oldGateway.url}/v1/auth/revoke`, { token: victim, body: { userId: 'x' } })).toMatchObject({ status: 401 });
  });

  it("disabling a tenant refuses its tokens and keys at once on another gateway instance", async () => {
    const bank = await on(oldGateway).createTenant(uniqueTenantId('tokens-off'), { answerDeadlineMs: 400 });
    const token = await on(oldGateway).token(bank.apiKey, 'u1');
    // The second instance has the tenant cached from a successful turn.
    expect((await on(rotatingGateway).chat(token, 'hello')).status).toBe(200);

    const off = await http(`${oldGateway.url}/v1/admin/tenants/${bank.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { status: 'disabled' } });
    expect(off.body).toMatchObject({ status: 'disabled' });
    expect(await on(rotatingGateway).chat(token, 'hello')).toMatchObject({ status: 403, body: { code: 'TENANT_DISABLED' } });
    expect(await http(`${rotatingGateway.url}/v1/auth/token`, { token: bank.apiKey, body: { userId: 'u2' } })).toMatchObject({ status: 403, body: { code: 'TENANT_DISABLED' } });

    await http(`${oldGateway.url}/v1/admin/tenants/${bank.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { status: 'active' } });
    expect((await on(rotatingGateway).chat(token, 'hello')).status).toBe(200);
  });
});

import { describe, it, expect, beforeEach } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { Clock, DomainError, ErrorCode } from '#common';
import { AppConfig } from '#config';
import { EndUserTokenService, jwtKeyId } from './end-user-token.service.js';

class TestClock extends Clock {
  t = 1_700_000_000_000;
  now(): number {
    return this.t;
  }
}

const SECRET = 'unit-test-jwt-secret-0123456789-abcdefghij';
const OTHER_SECRET = 'another-secret-entirely-0123456789-klmnopqr';

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('EndUserTokenService', () => {
  const config = AppConfig.fromEnv({ JWT_SECRET: SECRET, NODE_ENV: 'test' });
  const { jwtTtlSec, issuer, audience } = config.auth;
  let clock: TestClock;
  let service: EndUserTokenService;

  /** verify() is synchronous; wrap it so failures can be asserted with `.rejects`. */
  const verifying = (token: string) => Promise.resolve().then(() => service.verify(token));

  /** A well-formed payload as the service would issue it, at the test clock's time. */
  const payload = (overrides: Record<string, unknown> = {}): Record<string, unknown> => {
    const iat = Math.floor(clock.now() / 1000);
    return { tid: 'acme', sub: 'user-1', jti: 'jti-1', iat, exp: iat + jwtTtlSec, iss: issuer, aud: audience, ...overrides };
  };

  beforeEach(() => {
    clock = new TestClock();
    service = new EndUserTokenService(config, clock);
  });

  it('round-trips issue → verify', () => {
    const issued = service.issue('acme', 'user-1');
    expect(issued.expiresIn).toBe(jwtTtlSec);
    expect(issued.claims).toMatchObject({ tenantId: 'acme', userId: 'user-1' });
    expect(issued.claims.expiresAt).toBe((Math.floor(clock.t / 1000) + jwtTtlSec) * 1000);

    const claims = service.verify(issued.token);
    expect(claims).toEqual({
      tenantId: 'acme',
      userId: 'user-1',
      tokenId: issued.claims.tokenId,
      issuedAt: Math.floor(clock.t / 1000) * 1000,
      expiresAt: issued.claims.expiresAt,
    });
    expect(claims.tokenId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives every token a distinct jti', () => {
    const a = service.issue('acme', 'user-1');
    const b = service.issue('acme', 'user-1');
    expect(a.claims.tokenId).not.toBe(b.claims.tokenId);
  });

  it("puts alg HS256 and the signing secret's kid in the header", () => {
    const { token } = service.issue('acme', 'user-1');
    const decoded = jwt.decode(token, { complete: true });
    expect(decoded?.header.alg).toBe('HS256');
    expect(decoded?.header.kid).toBe(jwtKeyId(SECRET));
    expect(service.keyId).toBe(jwtKeyId(SECRET));
    // The kid names the secret without revealing it.
    expect(jwtKeyId(SECRET)).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(jwtKeyId(SECRET)).not.toBe(jwtKeyId(OTHER_SECRET));
    expect(token).not.toContain(SECRET.slice(0, 8));
  });

  it('accepts a token just before expiry plus tolerance', () => {
    const { token } = service.issue('acme', 'user-1');
    clock.t += (jwtTtlSec + 4) * 1000;
    expect(service.verify(token).userId).toBe('user-1');
  });

  it('rejects an expired token with TOKEN_EXPIRED', async () => {
    const { token } = service.issue('acme', 'user-1');
    clock.t += (jwtTtlSec + 6) * 1000;
    await expect(verifying(token)).rejects.toBeInstanceOf(DomainError);
    await expect(verifying(token)).rejects.toMatchObject({ code: ErrorCode.TokenExpired });
  });

  it('still expires a token it has already verified (the verified-token cache checks expiry on every use)', async () => {
    const { token } = service.issue('acme', 'user-1');
    expect(service.verify(token).userId).toBe('user-1');
    clock.t += (jwtTtlSec + 4) * 1000;
    expect(service.verify(token).userId).toBe('user-1');
    clock.t += 2_000;
    await expect(verifying(token)).rejects.toMatchObject({ code: ErrorCode.TokenExpired });
  });

  it('rejects a token signed with another secret', async () => {
    const token = jwt.sign(payload(), OTHER_SECRET, { algorithm: 'HS256', keyid: jwtKeyId(SECRET) });
    await expect(verifying(token)).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
  });

  it('rejects an unsigned alg:none token', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload())}.`;
    await expect(verifying(token)).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
  });

  it('rejects an HS512 token even with the right secret (algorithm pinned)', async () => {
    const token = jwt.sign(payload(), SECRET, { algorithm: 'HS512', keyid: jwtKeyId(SECRET) });
    await expect(verifying(token)).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
  });

  it('rejects a wrong audience', async () => {
    const token = jwt.sign(payload({ aud: 'someone-else' }), SECRET, { algorithm: 'HS256', keyid: jwtKeyId(SECRET) });
    await expect(verifying(token)).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
  });

  it('rejects a wrong issuer', async () => {
    const token = jwt.sign(payload({ iss: 'evil' }), SECRET, { algorithm: 'HS256', keyid: jwtKeyId(SECRET) });
    await expect(verifying(token)).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
  });

  it('rejects a token without a tid claim', async () => {
    const { tid: _tid, ...rest } = payload();
    const token = jwt.sign(rest, SECRET, { algorithm: 'HS256', keyid: jwtKeyId(SECRET) });
    await expect(verifying(token)).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
  });

  it('rejects a token without an exp claim', async () => {
    const { exp: _exp, ...rest } = payload();
    const token = jwt.sign(rest, SECRET, { algorithm: 'HS256', keyid: jwtKeyId(SECRET) });
    await expect(verifying(token)).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
  });

  it('rejects a tampered payload', async () => {
    const { token } = service.issue('acme', 'user-1');
    const [header, , signature] = token.split('.');
    const forged = `${header}.${b64url(payload({ tid: 'other-tenant' }))}.${signature}`;
    await expect(verifying(forged)).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
  });

  it('rejects garbage', async () => {
    await expect(verifying('not-a-jwt')).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
    await expect(verifying('')).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
  });

  describe('secret rotation', () => {
    const rotated = AppConfig.fromEnv({ JWT_SECRET: OTHER_SECRET, JWT_PREVIOUS_SECRET: SECRET, NODE_ENV: 'test' });

    it('signs with JWT_SECRET and still verifies tokens of JWT_PREVIOUS_SECRET, told apart by kid', () => {
      const before = service.issue('acme', 'user-1').token;
      const during = new EndUserTokenService(rotated, clock);
      expect(during.verify(before).userId).toBe('user-1');
      const fresh = during.issue('acme', 'user-2').token;
      expect(jwt.decode(fresh, { complete: true })?.header.kid).toBe(jwtKeyId(OTHER_SECRET));
      expect(during.verify(fresh).userId).toBe('user-2');
    });

    it('refuses tokens of the previous secret once it is removed', async () => {
      const before = service.issue('acme', 'user-1').token;
      service = new EndUserTokenService(AppConfig.fromEnv({ JWT_SECRET: OTHER_SECRET, NODE_ENV: 'test' }), clock);
      await expect(verifying(before)).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
    });

    it('refuses an unknown or missing kid, even when the signature would verify', async () => {
      await expect(verifying(jwt.sign(payload(), SECRET, { algorithm: 'HS256', keyid: 'k1' }))).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
      await expect(verifying(jwt.sign(payload(), SECRET, { algorithm: 'HS256' }))).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
    });

    it("refuses a previous-secret token whose kid claims the current secret", async () => {
      const during = new EndUserTokenService(rotated, clock);
      const token = jwt.sign(payload(), SECRET, { algorithm: 'HS256', keyid: jwtKeyId(OTHER_SECRET) });
      await expect(Promise.resolve().then(() => during.verify(token))).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
    });

    it('refuses an RS256 token carrying a known kid (algorithm pinned)', async () => {
      const { generateKeyPairSync } = await import('node:crypto');
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const token = jwt.sign(payload(), privateKey, { algorithm: 'RS256', keyid: jwtKeyId(SECRET) });
      await expect(verifying(token)).rejects.toMatchObject({ code: ErrorCode.InvalidToken });
    });
  });
});

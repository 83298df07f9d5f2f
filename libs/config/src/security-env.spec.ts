import { describe, expect, it } from '@jest/globals';
import { AppConfig } from './app-config.js';

// Token rotation, secret strength and abuse-limit settings (the security group of the env).
const SECRET = 'a'.repeat(32) + '-production-jwt-secret';
const PREVIOUS = 'previous-jwt-secret-0123456789-abcdefghij';
const PROD = { NODE_ENV: 'production', JWT_SECRET: SECRET, ADMIN_TOKEN: 'admin-token-0123456789abcdef', SECRETS_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') };

const problemsOf = (env: Record<string, string | undefined>): Promise<AppConfig> => Promise.resolve().then(() => AppConfig.fromEnv(env));

describe('security settings from the environment', () => {
  it('reads JWT_PREVIOUS_SECRET, optional', () => {
    expect(AppConfig.fromEnv({}).auth.jwtPreviousSecret).toBeUndefined();
    expect(AppConfig.fromEnv({ ...PROD, JWT_PREVIOUS_SECRET: PREVIOUS }).auth.jwtPreviousSecret).toBe(PREVIOUS);
  });

  it('refuses a JWT_PREVIOUS_SECRET equal to JWT_SECRET, or weak in production', async () => {
    await expect(problemsOf({ JWT_SECRET: PREVIOUS, JWT_PREVIOUS_SECRET: PREVIOUS })).rejects.toThrow(/JWT_PREVIOUS_SECRET must differ/);
    await expect(problemsOf({ ...PROD, JWT_PREVIOUS_SECRET: 'short' })).rejects.toThrow(/JWT_PREVIOUS_SECRET must be at least 32 characters/);
  });

  it('refuses low-entropy secrets in production however long they are', async () => {
    const failing = problemsOf({ ...PROD, JWT_SECRET: 'ab'.repeat(40), ADMIN_TOKEN: 'x'.repeat(40) });
    await expect(failing).rejects.toThrow(/JWT_SECRET is required in production/);
    await expect(failing).rejects.toThrow(/ADMIN_TOKEN is required in production/);
  });

  it('defaults the brute-force limits and trusted proxies, and reads overrides', () => {
    expect(AppConfig.fromEnv({}).rateLimit).toEqual({
      adminFailuresPerMin: 10,
      apiKeyFailuresPerMin: 20,
      trustedProxies: ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
    });
    const config = AppConfig.fromEnv({ ADMIN_AUTH_FAILURES_PER_MIN: '3', API_KEY_AUTH_FAILURES_PER_MIN: '50', TRUSTED_PROXIES: '10.1.2.3, 10.9.0.0/16' });
    expect(config.rateLimit).toEqual({ adminFailuresPerMin: 3, apiKeyFailuresPerMin: 50, trustedProxies: ['10.1.2.3', '10.9.0.0/16'] });
    expect(AppConfig.fromEnv({ TRUSTED_PROXIES: 'none' }).rateLimit.trustedProxies).toEqual([]);
  });

  it.each(['10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/1', '::1/129'])('refuses TRUSTED_PROXIES=%s', async (value) => {
    await expect(problemsOf({ TRUSTED_PROXIES: value })).rejects.toThrow(/TRUSTED_PROXIES/);
  });
});

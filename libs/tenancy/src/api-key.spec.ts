import { describe, it, expect } from '@jest/globals';
import { generateApiKey, hashApiKey, hashesEqual, parseApiKeyPrefix } from './api-key.js';

const KEY_FORMAT = /^fdk_([0-9a-f]{12})_([A-Za-z0-9_-]{32})$/;

describe('generateApiKey', () => {
  it('has the documented format', () => {
    const { apiKey, prefix } = generateApiKey();
    const match = KEY_FORMAT.exec(apiKey);
    expect(match).not.toBeNull();
    expect(match![1]).toBe(prefix);
  });

  it('carries at least 128 random bits: the secret decodes to 24 bytes', () => {
    const { apiKey } = generateApiKey();
    const secret = apiKey.slice('fdk_'.length + 12 + 1); // the secret may itself contain '_'
    expect(secret).toHaveLength(32);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(24);
  });

  it('never repeats', () => {
    const keys = new Set(Array.from({ length: 50 }, () => generateApiKey().apiKey));
    expect(keys.size).toBe(50);
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.apiKey).not.toBe(b.apiKey);
    expect(a.prefix).not.toBe(b.prefix);
    expect(a.keyHash).not.toBe(b.keyHash);
  });

  it('returns the SHA-256 hex of the key', () => {
    const { apiKey, keyHash } = generateApiKey();
    expect(keyHash).toBe(hashApiKey(apiKey));
    expect(keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(keyHash).not.toContain(apiKey);
  });

  it('round-trips through parseApiKeyPrefix', () => {
    for (let i = 0; i < 20; i++) {
      const { apiKey, prefix } = generateApiKey();
      expect(parseApiKeyPrefix(apiKey)).toBe(prefix);
    }
  });
});

describe('hashApiKey', () => {
  it('is the SHA-256 hex digest', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('parseApiKeyPrefix', () => {
  const valid = `fdk_0123456789ab_${'A'.repeat(31)}-`;

  it('returns the prefix of a well-formed key', () => {
    expect(parseApiKeyPrefix(valid)).toBe('0123456789ab');
  });

  it.each([
    ['wrong scheme', `fdx_0123456789ab_${'A'.repeat(32)}`],
    ['no scheme', `0123456789ab_${'A'.repeat(36)}`],
    ['too short', `fdk_0123456789ab_${'A'.repeat(31)}`],
    ['too long', `fdk_0123456789ab_${'A'.repeat(33)}`],
    ['non-hex prefix', `fdk_0123456789zz_${'A'.repeat(32)}`],
    ['upper-case hex prefix', `fdk_0123456789AB_${'A'.repeat(32)}`],
    ['missing underscore', `fdk_0123456789abX${'A'.repeat(32)}`],
    ['empty', ''],
  ])('returns null for %s', (_label, key) => {
    expect(parseApiKeyPrefix(key)).toBeNull();
  });
});

describe('hashesEqual', () => {
  it('is true for equal digests', () => {
    const h = hashApiKey('k');
    expect(hashesEqual(h, hashApiKey('k'))).toBe(true);
  });

  it('is false for different digests', () => {
    expect(hashesEqual(hashApiKey('k1'), hashApiKey('k2'))).toBe(false);
  });

  it('is false (not throwing) for different lengths', () => {
    const h = hashApiKey('k');
    expect(hashesEqual(h, h.slice(0, 62))).toBe(false);
    expect(hashesEqual(h, '')).toBe(false);
  });
});

import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '#common';
import { SecretBox } from './secret-box.js';
import { generateSecretToken } from './secret-token.js';

const KEY_1 = randomBytes(32);
const KEY_2 = randomBytes(32);
const box = new SecretBox({ current: 'v1', keys: { v1: KEY_1 } });
const ENVELOPE = /^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/;

describe('SecretBox', () => {
  it('round-trips, in the versioned base64url envelope, without the clear text', () => {
    const sealed = box.seal('sk-live-0123456789', 'tenant-a/llm.apiKey');
    expect(sealed).toMatch(ENVELOPE);
    expect(sealed).not.toContain('sk-live');
    expect(box.open(sealed, 'tenant-a/llm.apiKey')).toBe('sk-live-0123456789');
  });

  it('uses a fresh 12-byte IV per value: the same secret never seals the same way twice', () => {
    const a = box.seal('same');
    const b = box.seal('same');
    expect(a).not.toBe(b);
    expect(Buffer.from(a.split(':')[1]!, 'base64url')).toHaveLength(12);
    expect(a.split(':')[1]).not.toBe(b.split(':')[1]);
  });

  it('handles unicode and empty strings', () => {
    for (const text of ['', '密钥🔑', 'x'.repeat(5000)]) expect(box.open(box.seal(text))).toBe(text);
  });

  it('refuses a value sealed for another context (another tenant or field)', () => {
    const sealed = box.seal('secret', 'tenant-a/llm.apiKey');
    expect(() => box.open(sealed, 'tenant-b/llm.apiKey')).toThrow(expect.objectContaining({ code: ErrorCode.SecretUnreadable }));
  });

  it('detects tampering with the ciphertext, the tag or the IV', () => {
    const sealed = box.seal('secret value');
    const [v, iv, tag, body] = sealed.split(':') as [string, string, string, string];
    const flip = (text: string): string => {
      const bytes = Buffer.from(text, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      return bytes.toString('base64url');
    };
    for (const forged of [[v, iv, tag, flip(body)], [v, iv, flip(tag), body], [v, flip(iv), tag, body]]) {
      expect(() => box.open(forged.join(':'))).toThrow(expect.objectContaining({ code: ErrorCode.SecretUnreadable }));
    }
  });

  it('refuses another key, unknown versions and garbage, without echoing the value', () => {
    const other = new SecretBox({ current: 'v1', keys: { v1: KEY_2 } });
    expect(() => other.open(box.seal('secret'))).toThrow(/could not be decrypted/);
    expect(() => box.open(box.seal('x').replace(/^v1/, 'v9'))).toThrow(/no key for version v9/);
    for (const junk of ['plain-api-key', 'v1:abc', 'v1:!!:!!:!!', '']) {
      let message = '';
      try {
        box.open(junk);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/could not be decrypted/);
      if (junk) expect(message).not.toContain(junk);
    }
  });

  it('supports rotation: a ring with v2 current still opens v1 values and flags them for re-sealing', () => {
    const old = box.seal('rotate me');
    const rotated = new SecretBox({ current: 'v2', keys: { v1: KEY_1, v2: KEY_2 } });
    expect(rotated.open(old)).toBe('rotate me');
    expect(rotated.needsReseal(old)).toBe(true);
    const fresh = rotated.seal('rotate me');
    expect(fresh.startsWith('v2:')).toBe(true);
    expect(rotated.needsReseal(fresh)).toBe(false);
  });

  it('recognises envelopes', () => {
    expect(SecretBox.isSealed(box.seal('x'))).toBe(true);
    expect(SecretBox.isSealed('sk-abc')).toBe(false);
    expect(SecretBox.isSealed(42)).toBe(false);
  });

  it('rejects keys of the wrong size and a missing current key', () => {
    expect(() => new SecretBox({ current: 'v1', keys: { v1: randomBytes(16) } })).toThrow(/32 bytes/);
    expect(() => new SecretBox({ current: 'v2', keys: { v1: KEY_1 } })).toThrow(/current version v2/);
  });
});

describe('generateSecretToken', () => {
  it('is prefixed, 256 random bits, never repeated', () => {
    const a = generateSecretToken('whsec_');
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateSecretToken('whsec_')).not.toBe(a);
  });
});

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const SCHEME = 'fdk_';
const PREFIX_HEX = 12;

/** A freshly issued key: the clear text is returned to the caller once and never stored. */
export interface IssuedApiKey {
  apiKey: string;
  prefix: string;
  keyHash: string;
}

/**
 * Keys look like `fdk_<12 hex lookup prefix>_<192 random bits, base64url>`. The secret has far
 * more entropy than any password, so a fast SHA-256 is the right hash: a slow KDF would only
 * add latency to every authenticated call without adding security.
 */
export const generateApiKey = (): IssuedApiKey => {
  const prefix = randomBytes(PREFIX_HEX / 2).toString('hex');
  const apiKey = `${SCHEME}${prefix}_${randomBytes(24).toString('base64url')}`;
  return { apiKey, prefix, keyHash: hashApiKey(apiKey) };
};

export const hashApiKey = (apiKey: string): string => createHash('sha256').update(apiKey).digest('hex');

/** The lookup prefix of a well-formed key, or null. */
export const parseApiKeyPrefix = (apiKey: string): string | null => {
  if (!apiKey.startsWith(SCHEME) || apiKey.length !== SCHEME.length + PREFIX_HEX + 1 + 32) return null;
  const prefix = apiKey.slice(SCHEME.length, SCHEME.length + PREFIX_HEX);
  if (!/^[0-9a-f]+$/.test(prefix) || apiKey[SCHEME.length + PREFIX_HEX] !== '_') return null;
  return prefix;
};

/** Constant-time comparison of two hex digests. */
export const hashesEqual = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));

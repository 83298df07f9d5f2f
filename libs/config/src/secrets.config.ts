import { createHash } from 'node:crypto';
import type { EnvReader } from './env-reader.js';

/** Keys that encrypt secrets at rest (tenants' provider API keys, webhook secrets). */
export interface SecretsConfig {
  /** Envelope version new values are sealed with. */
  currentVersion: string;
  /** 32-byte keys by envelope version. */
  keys: Readonly<Record<string, Buffer>>;
  /** True when no key was configured and the fixed development key is in use. */
  usingDevelopmentKey: boolean;
}

// Outside production a fixed, public key keeps `npm start` a one-liner; anything sealed with it
// is as good as clear text, which is why production refuses to start without a real key.
const DEV_KEY = createHash('sha256').update('fengda development secrets key - not secret, not for production').digest();

export const readSecretsConfig = (env: EnvReader, production: boolean): SecretsConfig => {
  // LLM_KEY_ENCRYPTION_KEY is the name docker/ shipped first; SECRETS_ENCRYPTION_KEY wins.
  const raw = env.string('SECRETS_ENCRYPTION_KEY') ?? env.string('LLM_KEY_ENCRYPTION_KEY');
  if (raw === undefined) {
    if (production) env.problem('SECRETS_ENCRYPTION_KEY is required in production: base64 of 32 random bytes (openssl rand -base64 32)');
    return { currentVersion: 'v1', keys: { v1: DEV_KEY }, usingDevelopmentKey: true };
  }
  const key = decodeKey(raw);
  if (!key) {
    env.problem('SECRETS_ENCRYPTION_KEY must be base64 of exactly 32 bytes (openssl rand -base64 32)');
    return { currentVersion: 'v1', keys: { v1: DEV_KEY }, usingDevelopmentKey: true };
  }
  return { currentVersion: 'v1', keys: { v1: key }, usingDevelopmentKey: false };
};

/** Standard or URL-safe base64, padded or not; null unless it decodes to exactly 32 bytes. */
const decodeKey = (raw: string): Buffer | null => {
  const text = raw.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : null;
};

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DomainError, ErrorCode } from '#common';

/** The keys a SecretBox can open, by envelope version, and the one it seals with. */
export interface SecretKeyRing {
  /** Version new values are sealed with, e.g. `v1`. */
  current: string;
  /** 32-byte AES-256 keys by version; keep retired versions here until every value is re-sealed. */
  keys: Readonly<Record<string, Buffer>>;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const VERSION = /^v[1-9][0-9]{0,3}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Authenticated encryption of secrets stored at rest (provider API keys, webhook secrets):
 * AES-256-GCM, a random 12-byte IV per value, and a versioned text envelope
 * `v1:<iv>:<tag>:<ciphertext>` (base64url) that fits in a JSON column. The version names the
 * key, so a rotation adds `v2` to the ring and old values stay readable until re-sealed.
 *
 * `context` is bound as additional authenticated data (e.g. `tenantA/llm.apiKey`): a value
 * copied into another tenant's row, or into another field, does not open.
 */
export class SecretBox {
  private readonly current: string;
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(ring: SecretKeyRing) {
    const keys = new Map<string, Buffer>();
    for (const [version, key] of Object.entries(ring.keys)) {
      if (!VERSION.test(version)) throw new Error(`secret key version "${version}" must look like v1, v2, …`);
      if (key.length !== KEY_BYTES) throw new Error(`secret key ${version} must be ${KEY_BYTES} bytes`);
      keys.set(version, Buffer.from(key));
    }
    if (!keys.has(ring.current)) throw new Error(`no secret key for the current version ${ring.current}`);
    this.current = ring.current;
    this.keys = keys;
  }

  /** Whether a value looks like an envelope (it may still fail to open). */
  static isSealed(value: unknown): value is string {
    if (typeof value !== 'string') return false;
    const parts = value.split(':');
    return parts.length === 4 && VERSION.test(parts[0]!) && parts.slice(1).every((p) => B64URL.test(p));
  }

  /** Encrypts `plaintext` under the current key. */
  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.current)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [this.current, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(':');
  }

  /**
   * Decrypts an envelope sealed with the same `context`. Throws SECRET_UNREADABLE (never
   * echoing the value) when it is malformed, its key version is unknown, or it was tampered with.
   */
  open(envelope: string, context = ''): string {
    const parts = envelope.split(':');
    if (parts.length !== 4 || !SecretBox.isSealed(envelope)) throw unreadable('it is not a sealed value');
    const [version, ivText, tagText, bodyText] = parts as [string, string, string, string];
    const key = this.keys.get(version);
    if (!key) throw unreadable(`no key for version ${version}`);
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw unreadable('the envelope is malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw unreadable('authentication failed (wrong key or context, or tampered)');
    }
  }

  /** Whether the value was sealed with an older key and should be re-sealed. */
  needsReseal(envelope: string): boolean {
    return envelope.split(':', 1)[0] !== this.current;
  }
}

const unreadable = (why: string): DomainError => new DomainError(ErrorCode.SecretUnreadable, `a stored secret could not be decrypted: ${why}`);

import type { EnvReader } from './env-reader.js';

export interface AuthConfig {
  adminToken: string;
  /** Signs new end-user tokens (and verifies them). */
  jwtSecret: string;
  /**
   * During a rotation, the secret being retired: tokens it signed (told apart by their `kid`)
   * still verify until they expire. Never signs.
   */
  jwtPreviousSecret?: string;
  /** Lifetime of end-user tokens, seconds. */
  jwtTtlSec: number;
  issuer: string;
  audience: string;
}

// Development defaults keep `npm start` a one-liner; production refuses them below.
const DEV_ADMIN_TOKEN = 'dev-admin-token';
const DEV_JWT_SECRET = 'dev-only-jwt-secret-do-not-use-in-production';

// Length alone lets `aaaa…` through; a random secret of this length has far more distinct
// characters than this (hex has 16 to draw from).
const MIN_DISTINCT_CHARS = 8;
const weak = (secret: string | undefined, minLength: number, devDefault: string): boolean =>
  !secret || secret.length < minLength || secret === devDefault || new Set(secret).size < MIN_DISTINCT_CHARS;

export const readAuthConfig = (env: EnvReader, production: boolean): AuthConfig => {
  const adminToken = env.string('ADMIN_TOKEN');
  const jwtSecret = env.string('JWT_SECRET');
  const jwtPreviousSecret = env.string('JWT_PREVIOUS_SECRET');
  if (jwtPreviousSecret !== undefined && jwtPreviousSecret === (jwtSecret ?? DEV_JWT_SECRET)) {
    env.problem('JWT_PREVIOUS_SECRET must differ from JWT_SECRET (it is the secret being retired)');
  }
  if (production) {
    if (weak(adminToken, 24, DEV_ADMIN_TOKEN)) {
      env.problem(`ADMIN_TOKEN is required in production and must be at least 24 characters, ${MIN_DISTINCT_CHARS} of them distinct`);
    }
    if (weak(jwtSecret, 32, DEV_JWT_SECRET)) {
      env.problem(`JWT_SECRET is required in production and must be at least 32 characters, ${MIN_DISTINCT_CHARS} of them distinct`);
    }
    if (jwtPreviousSecret !== undefined && weak(jwtPreviousSecret, 32, DEV_JWT_SECRET)) {
      env.problem(`JWT_PREVIOUS_SECRET must be at least 32 characters, ${MIN_DISTINCT_CHARS} of them distinct, in production`);
    }
  }
  return {
    adminToken: adminToken ?? DEV_ADMIN_TOKEN,
    jwtSecret: jwtSecret ?? DEV_JWT_SECRET,
    ...(jwtPreviousSecret !== undefined ? { jwtPreviousSecret } : {}),
    jwtTtlSec: env.int('JWT_TTL_SECONDS', 900, 30, 86_400),
    issuer: env.string('JWT_ISSUER', 'fengda'),
    audience: env.string('JWT_AUDIENCE', 'fengda-chat'),
  };
};

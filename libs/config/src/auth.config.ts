import type { EnvReader } from './env-reader.js';

export interface AuthConfig {
  adminToken: string;
  jwtSecret: string;
  /** Lifetime of end-user tokens, seconds. */
  jwtTtlSec: number;
  issuer: string;
  audience: string;
}

// Development defaults keep `npm start` a one-liner; production refuses them below.
const DEV_ADMIN_TOKEN = 'dev-admin-token';
const DEV_JWT_SECRET = 'dev-only-jwt-secret-do-not-use-in-production';

export const readAuthConfig = (env: EnvReader, production: boolean): AuthConfig => {
  const adminToken = env.string('ADMIN_TOKEN');
  const jwtSecret = env.string('JWT_SECRET');
  if (production) {
    if (!adminToken || adminToken.length < 24 || adminToken === DEV_ADMIN_TOKEN) {
      env.problem('ADMIN_TOKEN is required in production and must be at least 24 characters');
    }
    if (!jwtSecret || jwtSecret.length < 32 || jwtSecret === DEV_JWT_SECRET) {
      env.problem('JWT_SECRET is required in production and must be at least 32 characters');
    }
  }
  return {
    adminToken: adminToken ?? DEV_ADMIN_TOKEN,
    jwtSecret: jwtSecret ?? DEV_JWT_SECRET,
    jwtTtlSec: env.int('JWT_TTL_SECONDS', 900, 30, 86_400),
    issuer: env.string('JWT_ISSUER', 'fengda'),
    audience: env.string('JWT_AUDIENCE', 'fengda-chat'),
  };
};

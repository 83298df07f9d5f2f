import { isIP } from 'node:net';
import type { EnvReader } from './env-reader.js';

/** Platform-wide abuse limits (per-tenant chat limits live in the tenant config). */
export interface RateLimitEnvConfig {
  /** Failed `ADMIN_TOKEN` attempts one client IP may make per minute; then 429 until the minute ends. */
  adminFailuresPerMin: number;
  /** Failed tenant API-key attempts one client IP may make per minute. */
  apiKeyFailuresPerMin: number;
  /**
   * Addresses or CIDR ranges of the proxies in front of the gateway. Only their
   * `X-Forwarded-For` entries are believed when finding the client IP, so a client cannot
   * dodge the per-IP limits by sending the header itself.
   */
  trustedProxies: string[];
}

// Loopback and private ranges: an ingress or load balancer inside the cluster network.
const DEFAULT_TRUSTED_PROXIES = '127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7';

const isAddressOrCidr = (entry: string): boolean => {
  const [address, bits, extra] = entry.split('/');
  if (extra !== undefined || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
};

export const readRateLimitEnvConfig = (env: EnvReader): RateLimitEnvConfig => {
  const raw = env.string('TRUSTED_PROXIES', DEFAULT_TRUSTED_PROXIES).trim();
  const trustedProxies = raw === 'none' ? [] : raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  const bad = trustedProxies.filter((entry) => !isAddressOrCidr(entry));
  if (bad.length > 0) env.problem(`TRUSTED_PROXIES must be "none" or a comma-separated list of IP addresses or CIDR ranges (bad: ${bad.join(', ')})`);
  return {
    adminFailuresPerMin: env.int('ADMIN_AUTH_FAILURES_PER_MIN', 10, 1, 10_000),
    apiKeyFailuresPerMin: env.int('API_KEY_AUTH_FAILURES_PER_MIN', 20, 1, 10_000),
    trustedProxies: bad.length > 0 ? [] : trustedProxies,
  };
};

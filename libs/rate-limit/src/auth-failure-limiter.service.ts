import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';
import { AppConfig } from '#config';
import { LOGGER, type Logger } from '#observability';
import { RedisService } from '#redis';
import { ClientIpResolver } from './client-ip.js';

/** Which credential was guessed: the operator's token or a tenant API key. */
export type AuthRealm = 'admin' | 'apiKey';

const WINDOW_MS = 60_000;

/**
 * Brute-force protection for the credentials a client could guess: failed attempts are
 * counted per client IP (per /64 for IPv6) and realm in a one-minute window that starts at the
 * first failure; once the limit is reached, every attempt from that IP in that realm gets 429
 * until the window ends, the right credential included (or guessing would go on, with 429 and
 * 200 as the oracle). Successful traffic costs one Redis GET and never waits.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly limits: Record<AuthRealm, number>;

  constructor(
    private readonly redis: RedisService,
    config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.limits = { admin: config.rateLimit.adminFailuresPerMin, apiKey: config.rateLimit.apiKeyFailuresPerMin };
  }

  /** Throws `RATE_LIMITED` while the client has used up its failures in this realm. */
  async assertNotBlocked(realm: AuthRealm, clientIp: string): Promise<void> {
    const key = this.keyOf(realm, clientIp);
    let failures: string | null;
    try {
      failures = await this.redis.client.get(key);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message, realm }, 'auth failure limiter unavailable; attempt allowed');
      return;
    }
    if (failures === null || Number(failures) < this.limits[realm]) return;
    const pttl = await this.redis.client.pttl(key).catch(() => WINDOW_MS);
    const retryAfterSec = Math.max(1, Math.ceil((pttl > 0 ? pttl : WINDOW_MS) / 1000));
    throw new DomainError(ErrorCode.RateLimited, `too many failed authentication attempts; retry in ${retryAfterSec} s`, { retryAfterSec });
  }

  /** Counts one failed attempt (one round trip: start the window if new, then increment). */
  async recordFailure(realm: AuthRealm, clientIp: string): Promise<void> {
    const key = this.keyOf(realm, clientIp);
    try {
      await this.redis.client.multi().set(key, 0, 'PX', WINDOW_MS, 'NX').incr(key).exec();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message, realm }, 'auth failure not counted');
    }
  }

  private keyOf(realm: AuthRealm, clientIp: string): string {
    return this.redis.key('auth-fail', realm, ClientIpResolver.keyOf(clientIp));
  }
}

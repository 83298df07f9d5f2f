import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';
import { LOGGER, type Logger } from '#observability';
import { RedisService } from '#redis';
import { DEFAULT_RATE_LIMIT, TenantCacheService, type RateLimitConfig } from '#tenancy';
import { tokenBucketCommand } from './token-bucket.script.js';

/** The outcome of asking for one chat turn. */
export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until a retry can succeed (0 when allowed); what `Retry-After` says. */
  retryAfterSec: number;
  /** Which bucket refused: the end user's own, or the whole tenant's. */
  limitedBy?: 'tenant' | 'user';
}

/**
 * Per-tenant and per-end-user admission of chat turns: token buckets in Redis, one round trip
 * per turn, shared by every gateway replica. Every chat channel calls it (REST through
 * `EndUserGuard`; WebSocket, SSE and the OpenAI facade per turn), so a user's limit is one
 * limit whichever channel they use.
 */
@Injectable()
export class RateLimiter {
  private readonly bucket: ReturnType<typeof tokenBucketCommand>;

  constructor(
    private readonly redis: RedisService,
    private readonly tenants: TenantCacheService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.bucket = tokenBucketCommand(redis.client);
  }

  /**
   * Takes one turn from the tenant's and the user's buckets (both or neither). `limits`
   * defaults to the tenant's configured ones, from the in-memory tenant cache.
   */
  async consume(tenantId: string, userId: string, limits?: Readonly<RateLimitConfig>): Promise<RateDecision> {
    const { tenantPerSec, tenantBurst, userPerMin, userBurst } = limits ?? (await this.limitsOf(tenantId));
    // One hash tag per tenant: both keys of the script share a Redis Cluster slot.
    const tag = `{rl:${tenantId}}`;
    try {
      const [allowed, retryAfterMs, limitedBy] = await this.bucket(
        this.redis.key(tag, 'tenant'),
        this.redis.key(tag, 'u', userId),
        tenantPerSec,
        tenantBurst,
        userPerMin / 60,
        userBurst,
      );
      if (allowed === 1) return { allowed: true, retryAfterSec: 0 };
      return { allowed: false, retryAfterSec: Math.max(1, Math.ceil(retryAfterMs / 1000)), limitedBy: limitedBy === 'tenant' ? 'tenant' : 'user' };
    } catch (error) {
      // Fail open: without Redis the turn cannot run anyway (history lives there), and the
      // limiter must not be the thing that turns a Redis hiccup into refusals.
      this.logger.warn({ err: (error as Error).message }, 'rate limiter unavailable; turn admitted');
      return { allowed: true, retryAfterSec: 0 };
    }
  }

  /** {@link consume}, throwing `RATE_LIMITED` (with `details.retryAfterSec`) when refused. */
  async admit(tenantId: string, userId: string, limits?: Readonly<RateLimitConfig>): Promise<void> {
    const decision = await this.consume(tenantId, userId, limits);
    if (!decision.allowed) {
      const whose = decision.limitedBy === 'tenant' ? "the tenant's" : "this user's";
      throw new DomainError(ErrorCode.RateLimited, `too many chat turns: ${whose} rate limit is reached; retry in ${decision.retryAfterSec} s`, {
        retryAfterSec: decision.retryAfterSec,
        limitedBy: decision.limitedBy,
      });
    }
  }

  private async limitsOf(tenantId: string): Promise<Readonly<RateLimitConfig>> {
    return (await this.tenants.get(tenantId))?.config.rateLimit ?? DEFAULT_RATE_LIMIT;
  }
}

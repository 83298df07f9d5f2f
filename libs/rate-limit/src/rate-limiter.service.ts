import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';
import { LOGGER, RepeatThrottle, type Logger } from '#observability';
import { RedisService } from '#redis';
import type { RateLimitConfig } from '#tenancy';
import { tenantLeaseCommand } from './token-bucket.script.js';

/** Which bucket refused a chat turn: the end user's own, or the whole tenant's. */
export type LimitedBy = 'tenant' | 'user';

/** A lease takes at most this share of a second's worth of the tenant's rate … */
const LEASE_WINDOW_SEC = 0.05;
/** … and at most this many tokens. */
const MAX_LEASE = 20;
/** Leased tokens not used within this long are dropped: a quiet gateway does not sit on the tenant's budget. */
const LEASE_TTL_MS = 250;

interface Lease {
  tokens: number;
  expiresAt: number;
  refill?: Promise<LeaseGrant>;
}

/** Tokens granted (0: refused, retry after waitMs); `failedOpen` when Redis could not be asked. */
interface LeaseGrant {
  granted: number;
  waitMs: number;
  failedOpen?: boolean;
}

/**
 * Admission of chat turns by token buckets in Redis, shared by every gateway replica: the tenant's bucket here, the
 * end user's inside the script that opens the turn (HistoryRepository.beginTurn, on the user's own hash tag, so a
 * turn costs no round trip of its own for admission). Every chat channel passes it (ChatTurnService), so a user's
 * limit is one limit whichever channel they use.
 *
 * The tenant's bucket is leased: a gateway takes up to MAX_LEASE tokens at once (at most LEASE_WINDOW_SEC of the
 * tenant's rate; one token at a time for small limits) and spends them locally, so a busy tenant's turns ask Redis
 * once per lease instead of once per turn. Tokens are taken before they are spent: the tenant's limit is never
 * exceeded across replicas; a lease left unused for LEASE_TTL_MS is dropped, which at worst admits a little less.
 */
@Injectable()
export class RateLimiter {
  private readonly lease: ReturnType<typeof tenantLeaseCommand>;
  private readonly leases = new Map<string, Lease>();
  private readonly failures = new RepeatThrottle();

  constructor(
    private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.lease = tenantLeaseCommand(redis.client);
  }

  /** Takes one turn from the tenant's bucket; throws `RATE_LIMITED` (limitedBy `tenant`) when it is empty. */
  async admitTenant(tenantId: string, limits: Readonly<RateLimitConfig>): Promise<void> {
    for (;;) {
      const lease = this.leaseOf(tenantId);
      if (lease.tokens > 0 && performance.now() < lease.expiresAt) {
        lease.tokens--;
        return;
      }
      // One request per gateway and tenant at a time; the turns that wait meanwhile share its grant.
      lease.refill ??= this.refill(tenantId, lease, limits).finally(() => (lease.refill = undefined));
      const grant = await lease.refill;
      if (grant.failedOpen) return;
      if (grant.granted === 0) throw RateLimiter.refusal('tenant', grant.waitMs);
    }
  }

  /** Gives back the tenant token of a turn refused afterwards (by the user's own limit, or a revoked token). */
  refundTenant(tenantId: string): void {
    const lease = this.leases.get(tenantId);
    if (lease && performance.now() < lease.expiresAt) lease.tokens++;
  }

  /** The `RATE_LIMITED` error of either bucket, with `details.retryAfterSec` for the Retry-After header. */
  static refusal(limitedBy: LimitedBy, retryAfterMs: number): DomainError {
    const retryAfterSec = Math.max(1, Math.ceil(retryAfterMs / 1000));
    const whose = limitedBy === 'tenant' ? "the tenant's" : "this user's";
    return new DomainError(ErrorCode.RateLimited, `too many chat turns: ${whose} rate limit is reached; retry in ${retryAfterSec} s`, { retryAfterSec, limitedBy });
  }

  private leaseOf(tenantId: string): Lease {
    let lease = this.leases.get(tenantId);
    if (!lease) this.leases.set(tenantId, (lease = { tokens: 0, expiresAt: 0 }));
    return lease;
  }

  private async refill(tenantId: string, lease: Lease, limits: Readonly<RateLimitConfig>): Promise<LeaseGrant> {
    const want = Math.max(1, Math.min(MAX_LEASE, Math.floor(limits.tenantPerSec * LEASE_WINDOW_SEC)));
    try {
      const [granted, waitMs] = await this.lease(this.redis.key(`{rl:${tenantId}}`, 'tenant'), limits.tenantPerSec, limits.tenantBurst, want);
      lease.tokens = granted;
      lease.expiresAt = performance.now() + LEASE_TTL_MS;
      return { granted, waitMs };
    } catch (error) {
      // Fail open: without Redis the turn cannot run anyway (history lives there), and the limiter must not be the
      // thing that turns a Redis hiccup into refusals.
      const repeats = this.failures.admit((error as Error).message);
      if (repeats) this.logger.warn({ err: (error as Error).message, ...repeats }, 'rate limiter unavailable; turns admitted');
      return { granted: 0, waitMs: 0, failedOpen: true };
    }
  }
}

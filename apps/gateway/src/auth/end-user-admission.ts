import type { EndUserClaims, TokenRevocationService } from '#auth';
import type { RateLimiter } from '#rate-limit';
import type { TenantSnapshot } from '#tenancy';

/**
 * What every end-user chat turn passes (REST and SSE in EndUserGuard, WebSocket per turn): the token is not revoked,
 * and the tenant's and the user's rate limits admit it. Independent checks, sent together: one round trip to Redis.
 * A revoked token is refused before a rate limit is reported.
 */
export const admitEndUserTurn = async (
  revocations: TokenRevocationService,
  limiter: RateLimiter,
  tenant: TenantSnapshot,
  claims: EndUserClaims,
): Promise<void> => {
  const [revocation, admission] = await Promise.allSettled([
    revocations.assertNotRevoked(claims),
    limiter.admit(tenant.id, claims.userId, tenant.config.rateLimit),
  ]);
  if (revocation.status === 'rejected') throw revocation.reason;
  if (admission.status === 'rejected') throw admission.reason;
};

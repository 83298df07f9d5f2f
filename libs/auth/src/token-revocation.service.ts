import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditRecorder } from '#audit';
import { Clock, DomainError, ErrorCode } from '#common';
import { RedisService } from '#redis';
import type { EndUserClaims } from './end-user-token.service.js';

// Longer than any token can live (JWT_TTL_SECONDS is at most a day) plus the verify
// tolerance: after that every token the revocation covers has expired on its own.
const MARKER_TTL_MS = (86_400 + 60) * 1000;
/** The user's key holding the marker (the chat turn's open-turn script reads it too: see HistoryRepository). */
export const REVOKED_AT_KEY = 'tokens-revoked-at';

/**
 * Revocation of one end user's tokens: a "not before" time per user in Redis. A token issued
 * at or before it is refused. JWTs carry seconds, so a token issued in the same second as the
 * revocation is refused too (safe side); the user gets a new one a second later. Checking
 * costs one GET per request, on the user's own hash tag (the same slot as their history).
 */
@Injectable()
export class TokenRevocationService {
  constructor(
    private readonly redis: RedisService,
    private readonly clock: Clock,
    private readonly audit: AuditRecorder,
  ) {}

  /** Refuses every token of the user issued up to now, on every gateway at once. */
  async revokeUser(tenantId: string, userId: string, actor: string): Promise<{ userId: string; revokedBefore: string }> {
    const now = this.clock.now();
    await this.redis.client.set(this.keyOf(tenantId, userId), String(now), 'PX', MARKER_TTL_MS);
    const at = new Date(now).toISOString();
    this.audit.recordInBackground({ tenantId, eventId: randomUUID(), kind: 'admin', actor, userId, action: 'tokens.revoke', at });
    return { userId, revokedBefore: at };
  }

  /** Throws `TOKEN_REVOKED` when the token was issued at or before its user's revocation. */
  async assertNotRevoked(claims: EndUserClaims): Promise<void> {
    let marker: string | null;
    try {
      marker = await this.redis.client.get(this.keyOf(claims.tenantId, claims.userId));
    } catch {
      // Fail closed: a revoked token must not work because Redis hiccuped.
      throw new DomainError(ErrorCode.DependencyUnavailable, 'token check unavailable, retry shortly');
    }
    if (marker === null) return;
    const revokedAtSec = Math.floor(Number(marker) / 1000);
    if (claims.issuedAt / 1000 <= revokedAtSec) throw new DomainError(ErrorCode.TokenRevoked, 'token has been revoked; request a new one');
  }

  private keyOf(tenantId: string, userId: string): string {
    return this.redis.userKey(tenantId, userId, REVOKED_AT_KEY);
  }
}

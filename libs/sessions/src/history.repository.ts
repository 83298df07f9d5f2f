import { Injectable } from '@nestjs/common';
import { REVOKED_AT_KEY } from '#auth';
import { RedisService, TOKEN_BUCKET_LUA } from '#redis';
import { decodeTurn, encodeTurn, type StoredTurn } from './turn.js';

/** Result of opening a turn: a fresh sequence number and context, a duplicate, or a refusal (nothing stored). */
export type BeginTurnResult =
  | { kind: 'new'; seq: number; recent: StoredTurn[] }
  | { kind: 'duplicate'; stored: string }
  | { kind: 'revoked' }
  | { kind: 'rate-limited'; retryAfterMs: number };

/** Marker stored under a clientMsgId while its turn is being answered. */
export const PENDING = '__pending__';

/** What a turn must pass before it is opened: the token's revocation check and the user's own rate limit. */
export interface TurnAdmission {
  /** Issue time (epoch ms) of the end user's token; refused when the user's tokens were revoked since. None: no check. */
  tokenIssuedAt?: number;
  /** The user's token bucket: refill per second and burst. None: no limit. */
  userBucket?: { perSec: number; burst: number };
}

// Atomic and one round trip, all on the user's hash tag (one slot, so it also runs on a cluster). In order: refuse a
// revoked token; take a token from the user's bucket or refuse with the wait; claim the clientMsgId (if any); take the
// next sequence number; read the recent turns. A refusal stores nothing and takes no token.
// KEYS: history, seq, claim, revocation marker, user bucket.
// ARGV: context turns, claim TTL, has claim, PENDING, seq TTL, token iat in s ('' = no check), user rate /s and burst ('' = no limit).
const BEGIN_TURN = `${TOKEN_BUCKET_LUA}
if ARGV[6] ~= '' then
  local marker = redis.call('GET', KEYS[4])
  if marker and tonumber(ARGV[6]) <= math.floor(tonumber(marker) / 1000) then return {2} end
end
if ARGV[7] ~= '' then
  local now = bucket_now()
  local rate, burst = tonumber(ARGV[7]), tonumber(ARGV[8])
  local tokens = bucket_level(KEYS[5], rate, burst, now)
  if tokens < 1 then return {3, bucket_wait_ms(tokens, rate)} end
  bucket_take(KEYS[5], tokens, 1, rate, burst, now)
end
if ARGV[3] == '1' then
  local claimed = redis.call('SET', KEYS[3], ARGV[4], 'NX', 'EX', ARGV[2])
  if not claimed then return {0, redis.call('GET', KEYS[3]) or ''} end
end
local seq = redis.call('INCR', KEYS[2])
if redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], ARGV[5]) end
local n = tonumber(ARGV[1])
local recent = {}
if n > 0 then recent = redis.call('LRANGE', KEYS[1], 0, n - 1) end
return {1, seq, recent}`;

// The write-back, atomic and one command (a MULTI of five commands cost the gateway five command objects and a
// pipeline per turn): push, trim, refresh both expiries, and remember the reply under the clientMsgId if any.
const COMPLETE_TURN = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
if ARGV[4] == '1' then redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[6]) end
return 1`;

export interface HistoryLimits {
  ttlSec: number;
  maxTurns: number;
}

/**
 * Conversation history in Redis, keyed by tenant and end user. Newest turn first in a list;
 * writes are one atomic script call (push, trim, refresh expiry); reads go to the primary.
 */
@Injectable()
export class HistoryRepository {
  constructor(private readonly redis: RedisService) {
    redis.client.defineCommand('fengdaBeginTurn', { numberOfKeys: 5, lua: BEGIN_TURN });
    redis.client.defineCommand('fengdaCompleteTurn', { numberOfKeys: 3, lua: COMPLETE_TURN });
  }

  /** The user's keys share the `{t:…:u:…}` hash tag: one slot per user on Redis Cluster. */
  keys(tenantId: string, userId: string): { history: string; seq: string; base: string } {
    const base = this.redis.userKey(tenantId, userId);
    return { history: `${base}:history`, seq: `${base}:seq`, base };
  }

  messageKey(tenantId: string, userId: string, clientMsgId: string): string {
    return claimKey(this.keys(tenantId, userId).base, clientMsgId);
  }

  async beginTurn(
    tenantId: string,
    userId: string,
    // seqTtlSec bounds a sequence key whose turn never completed (completeTurn refreshes it).
    options: { contextTurns: number; clientMsgId?: string; dedupTtlSec: number; seqTtlSec?: number; admission?: TurnAdmission },
  ): Promise<BeginTurnResult> {
    const k = this.keys(tenantId, userId);
    const { tokenIssuedAt, userBucket } = options.admission ?? {};
    const reply = (await (this.redis.client as unknown as HistoryCommands).fengdaBeginTurn(
      k.history, k.seq, claimKey(k.base, options.clientMsgId), `${k.base}:${REVOKED_AT_KEY}`, `${k.base}:${USER_BUCKET_KEY}`,
      options.contextTurns, options.dedupTtlSec, options.clientMsgId ? '1' : '0', PENDING, options.seqTtlSec ?? 7 * 24 * 3600,
      tokenIssuedAt === undefined ? '' : Math.floor(tokenIssuedAt / 1000), userBucket?.perSec ?? '', userBucket?.burst ?? '',
    )) as [number, number | string, string[]?];
    switch (reply[0]) {
      case 0:
        return { kind: 'duplicate', stored: String(reply[1]) };
      case 2:
        return { kind: 'revoked' };
      case 3:
        return { kind: 'rate-limited', retryAfterMs: Number(reply[1]) };
      default:
        return { kind: 'new', seq: Number(reply[1]), recent: (reply[2] ?? []).map(decodeTurn).reverse() };
    }
  }

  /** Appends a turn, trims to the tenant's max, refreshes expiry, and records the dedup result. */
  async completeTurn(
    tenantId: string,
    userId: string,
    turn: StoredTurn,
    limits: HistoryLimits,
    dedup?: { clientMsgId: string; response: string; ttlSec: number },
  ): Promise<void> {
    const k = this.keys(tenantId, userId);
    await (this.redis.client as unknown as HistoryCommands).fengdaCompleteTurn(
      k.history, k.seq, claimKey(k.base, dedup?.clientMsgId),
      encodeTurn(turn), limits.maxTurns, limits.ttlSec, dedup ? '1' : '0', dedup?.response ?? '', dedup?.ttlSec ?? 0,
    );
  }

  /** Releases a clientMsgId claim when its turn could not be completed, so a retry can run. */
  async releaseClaim(tenantId: string, userId: string, clientMsgId: string): Promise<void> {
    await this.redis.client.del(this.messageKey(tenantId, userId, clientMsgId));
  }

  async readClaim(tenantId: string, userId: string, clientMsgId: string): Promise<string | null> {
    return this.redis.client.get(this.messageKey(tenantId, userId, clientMsgId));
  }

  /** All stored turns, oldest first. */
  async list(tenantId: string, userId: string): Promise<StoredTurn[]> {
    const raw = await this.redis.client.lrange(this.keys(tenantId, userId).history, 0, -1);
    return raw.map(decodeTurn).reverse();
  }

  /**
   * Turns with a seq above `afterSeq`, oldest first: what a reconnecting client missed. Reads
   * newest-first in small pages, so the usual resume (nothing or one turn missed) is one short
   * LRANGE. Concurrent turns of one user may be pushed out of seq order, so reading stops only
   * a margin below `afterSeq`, and the result is sorted.
   */
  async listAfter(tenantId: string, userId: string, afterSeq: number, pageSize = 16): Promise<StoredTurn[]> {
    const key = this.keys(tenantId, userId).history;
    const missed: StoredTurn[] = [];
    const stopBelow = afterSeq - OUT_OF_ORDER_MARGIN;
    let done = false;
    for (let start = 0; !done; start += pageSize) {
      const raw = await this.redis.client.lrange(key, start, start + pageSize - 1);
      for (const item of raw) {
        const turn = decodeTurn(item);
        if (turn.seq > afterSeq) missed.push(turn);
        else if (turn.seq <= stopBelow) done = true;
      }
      if (raw.length < pageSize) done = true;
    }
    return missed.sort((a, b) => a.seq - b.seq);
  }

  /** Erases the user's history, sequence, remembered replies and rate bucket. Returns whether any turn data existed. */
  async erase(tenantId: string, userId: string): Promise<boolean> {
    const k = this.keys(tenantId, userId);
    const msgKeys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.client.scan(cursor, 'MATCH', `${escapeGlob(k.base)}:msg:*`, 'COUNT', 1000);
      cursor = next;
      msgKeys.push(...found);
    } while (cursor !== '0');
    const removed = await this.redis.client.del(k.history, k.seq, ...msgKeys);
    // The user's rate bucket goes too (nothing of the conversation, but nothing of theirs is kept); the revocation
    // marker stays: erasing a conversation must not revive a revoked token.
    await this.redis.client.del(`${k.base}:${USER_BUCKET_KEY}`);
    return removed > 0;
  }
}

interface HistoryCommands {
  fengdaBeginTurn(...args: (string | number)[]): Promise<unknown>;
  fengdaCompleteTurn(...args: (string | number)[]): Promise<unknown>;
}

/** The user's own chat-turn token bucket (the tenant's is leased by the gateways' RateLimiter). */
const USER_BUCKET_KEY = 'turn-bucket';

// How far out of seq order concurrent turns of one user can land in the list (one per turn in flight).
const OUT_OF_ORDER_MARGIN = 8;

/**
 * The key remembering a clientMsgId's answer. Without one the scripts still get a key in the user's slot (they take
 * three keys) that they never touch.
 */
const claimKey = (base: string, clientMsgId?: string): string => `${base}:msg:${clientMsgId ?? '-'}`;

const escapeGlob = (value: string): string => value.replace(/[*?[\]\\]/g, '\\$&');

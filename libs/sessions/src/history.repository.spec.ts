import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { AppConfig } from '#config';
import { createLogger } from '#observability';
import { RedisService } from '#redis';
import { HistoryRepository, PENDING } from './history.repository.js';
import type { StoredTurn } from './turn.js';

// Integration test against the real Redis (redis://127.0.0.1:6379/0). Every key lives under a
// per-run prefix, deleted in afterAll.
const prefix = `fdunit-${process.pid}-${Date.now()}`;
const LIMITS = { ttlSec: 3600, maxTurns: 100 };
const BEGIN = { contextTurns: 6, dedupTtlSec: 600 };

let userCounter = 0;
/** A fresh user per test keeps the cases independent. */
const newUser = (): string => `user-${++userCounter}`;

const turn = (seq: number, overrides: Partial<StoredTurn> = {}): StoredTurn => ({
  seq,
  query: `question ${seq}`,
  answer: `answer ${seq}`,
  source: 'kb',
  confidence: 0.9,
  at: new Date(Date.UTC(2024, 0, 1, 0, 0, seq)).toISOString(),
  ...overrides,
});

describe('HistoryRepository (real Redis)', () => {
  let redis: RedisService;
  let repo: HistoryRepository;

  /** beginTurn (no clientMsgId) then completeTurn, returning the seq used. */
  const writeTurn = async (tenant: string, user: string, limits = LIMITS): Promise<number> => {
    const begun = await repo.beginTurn(tenant, user, BEGIN);
    if (begun.kind !== 'new') throw new Error('expected a new turn');
    await repo.completeTurn(tenant, user, turn(begun.seq), limits);
    return begun.seq;
  };

  beforeAll(async () => {
    redis = new RedisService(AppConfig.fromEnv({ REDIS_PREFIX: prefix }), createLogger({ level: 'silent', app: 'test' }));
    await redis.ready();
    repo = new HistoryRepository(redis);
    await redis.ping();
  });

  afterAll(async () => {
    let cursor = '0';
    do {
      const [next, found] = await redis.client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) await redis.client.del(...found);
    } while (cursor !== '0');
    const [, left] = await redis.client.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 10_000);
    expect(left).toEqual([]);
    await redis.onApplicationShutdown();
  });

  it('builds keys under the prefix with the tenant/user hash tag', () => {
    const k = repo.keys('acme', 'u-1');
    expect(k.base).toBe(`${prefix}:{t:acme:u:u-1}`);
    expect(k.history).toBe(`${prefix}:{t:acme:u:u-1}:history`);
    expect(k.seq).toBe(`${prefix}:{t:acme:u:u-1}:seq`);
    expect(repo.messageKey('acme', 'u-1', 'm-9')).toBe(`${prefix}:{t:acme:u:u-1}:msg:m-9`);
    for (const key of [k.history, k.seq, repo.messageKey('acme', 'u-1', 'm-9')]) {
      expect(key).toContain('acme');
      expect(key).toContain('{t:acme:u:u-1}');
    }
  });

  it('starts a new user at seq 1 with no recent turns', async () => {
    const result = await repo.beginTurn('acme', newUser(), BEGIN);
    expect(result).toEqual({ kind: 'new', seq: 1, recent: [] });
  });

  it('returns the next seq and the completed turn', async () => {
    const user = newUser();
    const first = await repo.beginTurn('acme', user, BEGIN);
    expect(first).toMatchObject({ kind: 'new', seq: 1 });
    const stored = turn(1, { entryId: 'kb-7', clientMsgId: 'c-1' });
    await repo.completeTurn('acme', user, stored, LIMITS);

    const second = await repo.beginTurn('acme', user, BEGIN);
    expect(second).toEqual({ kind: 'new', seq: 2, recent: [stored] });
  });

  it('hands back recent turns oldest first, limited to contextTurns', async () => {
    const user = newUser();
    for (let i = 0; i < 4; i++) await writeTurn('acme', user);
    const result = await repo.beginTurn('acme', user, { ...BEGIN, contextTurns: 3 });
    expect(result.kind).toBe('new');
    if (result.kind !== 'new') return;
    expect(result.seq).toBe(5);
    expect(result.recent.map((t) => t.seq)).toEqual([2, 3, 4]);

    const none = await repo.beginTurn('acme', user, { ...BEGIN, contextTurns: 0 });
    expect(none).toEqual({ kind: 'new', seq: 6, recent: [] });
  });

  it('lists all turns oldest first', async () => {
    const user = newUser();
    for (let i = 0; i < 3; i++) await writeTurn('acme', user);
    const turns = await repo.list('acme', user);
    expect(turns.map((t) => t.seq)).toEqual([1, 2, 3]);
    expect(turns[0]).toEqual(turn(1));
    expect(await repo.list('acme', newUser())).toEqual([]);
  });

  it('sets the expiry of the history and seq keys', async () => {
    const user = newUser();
    await writeTurn('acme', user);
    const k = repo.keys('acme', user);
    const historyTtl = await redis.client.ttl(k.history);
    const seqTtl = await redis.client.ttl(k.seq);
    expect(historyTtl).toBeGreaterThan(LIMITS.ttlSec - 5);
    expect(historyTtl).toBeLessThanOrEqual(LIMITS.ttlSec);
    expect(seqTtl).toBeGreaterThan(LIMITS.ttlSec - 5);
    expect(seqTtl).toBeLessThanOrEqual(LIMITS.ttlSec);
  });

  it('refreshes the expiry on every completed turn', async () => {
    const user = newUser();
    await writeTurn('acme', user);
    const k = repo.keys('acme', user);
    await redis.client.pexpire(k.history, 2000);
    await redis.client.pexpire(k.seq, 2000);
    expect(await redis.client.pttl(k.history)).toBeLessThanOrEqual(2000);

    await writeTurn('acme', user);
    expect(await redis.client.ttl(k.history)).toBeGreaterThan(LIMITS.ttlSec - 5);
    expect(await redis.client.ttl(k.seq)).toBeGreaterThan(LIMITS.ttlSec - 5);
  });

  it('trims history to maxTurns, dropping the oldest', async () => {
    const user = newUser();
    const limits = { ttlSec: 3600, maxTurns: 5 };
    for (let i = 0; i < 7; i++) await writeTurn('acme', user, limits);
    const turns = await repo.list('acme', user);
    expect(turns).toHaveLength(5);
    expect(turns.map((t) => t.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(await redis.client.llen(repo.keys('acme', user).history)).toBe(5);
    // The sequence keeps counting past trimmed turns.
    expect(await repo.beginTurn('acme', user, BEGIN)).toMatchObject({ kind: 'new', seq: 8 });
  });

  describe('clientMsgId de-duplication', () => {
    it('claims a clientMsgId: the second attempt is a duplicate while pending', async () => {
      const user = newUser();
      const first = await repo.beginTurn('acme', user, { ...BEGIN, clientMsgId: 'msg-1' });
      expect(first).toEqual({ kind: 'new', seq: 1, recent: [] });
      expect(await repo.readClaim('acme', user, 'msg-1')).toBe(PENDING);

      const second = await repo.beginTurn('acme', user, { ...BEGIN, clientMsgId: 'msg-1' });
      expect(second).toEqual({ kind: 'duplicate', stored: PENDING });

      // A duplicate does not consume a sequence number.
      expect(await repo.beginTurn('acme', user, BEGIN)).toMatchObject({ kind: 'new', seq: 2 });
    });

    it('gives the claim the dedup TTL', async () => {
      const user = newUser();
      await repo.beginTurn('acme', user, { ...BEGIN, clientMsgId: 'msg-ttl', dedupTtlSec: 120 });
      const ttl = await redis.client.ttl(repo.messageKey('acme', user, 'msg-ttl'));
      expect(ttl).toBeGreaterThan(115);
      expect(ttl).toBeLessThanOrEqual(120);
    });

    it('returns the remembered response after completeTurn', async () => {
      const user = newUser();
      const begun = await repo.beginTurn('acme', user, { ...BEGIN, clientMsgId: 'msg-2' });
      expect(begun.kind).toBe('new');
      const response = JSON.stringify({ answer: 'answer 1', seq: 1 });
      await repo.completeTurn('acme', user, turn(1, { clientMsgId: 'msg-2' }), LIMITS, {
        clientMsgId: 'msg-2',
        response,
        ttlSec: 300,
      });

      expect(await repo.beginTurn('acme', user, { ...BEGIN, clientMsgId: 'msg-2' })).toEqual({ kind: 'duplicate', stored: response });
      expect(await repo.readClaim('acme', user, 'msg-2')).toBe(response);
      const ttl = await redis.client.ttl(repo.messageKey('acme', user, 'msg-2'));
      expect(ttl).toBeGreaterThan(295);
      expect(ttl).toBeLessThanOrEqual(300);
    });

    it('releaseClaim lets the same clientMsgId run again', async () => {
      const user = newUser();
      expect(await repo.beginTurn('acme', user, { ...BEGIN, clientMsgId: 'msg-3' })).toMatchObject({ kind: 'new', seq: 1 });
      await repo.releaseClaim('acme', user, 'msg-3');
      expect(await repo.readClaim('acme', user, 'msg-3')).toBeNull();
      expect(await repo.beginTurn('acme', user, { ...BEGIN, clientMsgId: 'msg-3' })).toMatchObject({ kind: 'new', seq: 2 });
    });

    it('scopes clientMsgIds per user', async () => {
      const a = newUser();
      const b = newUser();
      expect(await repo.beginTurn('acme', a, { ...BEGIN, clientMsgId: 'same' })).toMatchObject({ kind: 'new' });
      expect(await repo.beginTurn('acme', b, { ...BEGIN, clientMsgId: 'same' })).toMatchObject({ kind: 'new' });
    });
  });

  describe('admission (checked in the script that opens the turn)', () => {
    const bucket = (perSec: number, burst: number) => ({ admission: { userBucket: { perSec, burst } } });

    it("admits the user's burst, then refuses with the wait, storing nothing and taking no sequence number", async () => {
      const user = newUser();
      const kinds = [];
      for (let i = 0; i < 4; i++) kinds.push((await repo.beginTurn('acme', user, { ...BEGIN, clientMsgId: `m-${i}`, ...bucket(1, 3) })).kind);
      expect(kinds).toEqual(['new', 'new', 'new', 'rate-limited']);
      expect(await repo.beginTurn('acme', user, { ...BEGIN, ...bucket(1, 3) })).toEqual({ kind: 'rate-limited', retryAfterMs: expect.any(Number) });
      expect(await repo.readClaim('acme', user, 'm-3')).toBeNull();
      expect(await redis.client.get(repo.keys('acme', user).seq)).toBe('3');
    });

    it('is atomic under concurrency: exactly the burst gets through', async () => {
      const user = newUser();
      const results = await Promise.all(Array.from({ length: 50 }, () => repo.beginTurn('acme', user, { ...BEGIN, ...bucket(1 / 60, 10) })));
      expect(results.filter((r) => r.kind === 'new')).toHaveLength(10);
      expect(results.filter((r) => r.kind === 'rate-limited')[0]).toEqual({ kind: 'rate-limited', retryAfterMs: expect.any(Number) });
    });

    it('refills at the configured rate (Redis time), per user', async () => {
      const [user, other] = [newUser(), newUser()];
      expect((await repo.beginTurn('acme', user, { ...BEGIN, ...bucket(10, 1) })).kind).toBe('new'); // one token per 100 ms
      expect((await repo.beginTurn('acme', user, { ...BEGIN, ...bucket(10, 1) })).kind).toBe('rate-limited');
      expect((await repo.beginTurn('acme', other, { ...BEGIN, ...bucket(10, 1) })).kind).toBe('new');
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect((await repo.beginTurn('acme', user, { ...BEGIN, ...bucket(10, 1) })).kind).toBe('new');
    });

    it('refuses a token issued at or before the revocation marker (before any rate limit), and admits a later one', async () => {
      const user = newUser();
      const revokedAt = Date.UTC(2026, 0, 1, 12, 0, 0, 500);
      await redis.client.set(`${repo.keys('acme', user).base}:tokens-revoked-at`, String(revokedAt));
      const withToken = (issuedAt: number) => ({ ...BEGIN, admission: { tokenIssuedAt: issuedAt, userBucket: { perSec: 1, burst: 1 } } });
      expect(await repo.beginTurn('acme', user, withToken(revokedAt - 60_000))).toEqual({ kind: 'revoked' });
      expect(await repo.beginTurn('acme', user, withToken(revokedAt - 500))).toEqual({ kind: 'revoked' }); // same second: refused
      expect(await redis.client.exists(repo.keys('acme', user).seq)).toBe(0);
      expect(await repo.beginTurn('acme', user, withToken(revokedAt + 1_000))).toMatchObject({ kind: 'new', seq: 1 });
      expect(await repo.beginTurn('acme', user, withToken(revokedAt - 60_000))).toEqual({ kind: 'revoked' }); // not 'rate-limited'
    });

    it("keeps the user's bucket on the user's hash tag, expiring once it would be full again, and erase removes it", async () => {
      const user = newUser();
      await repo.beginTurn('acme', user, { ...BEGIN, ...bucket(1, 5) });
      const key = `${repo.keys('acme', user).base}:turn-bucket`;
      expect(await redis.client.pttl(key)).toBeGreaterThan(0);
      expect(await redis.client.pttl(key)).toBeLessThanOrEqual(2_000);
      await repo.erase('acme', user);
      expect(await redis.client.exists(key)).toBe(0);
    });
  });

  it('keeps two tenants with the same userId apart', async () => {
    const user = newUser();
    await writeTurn('tenant-a', user);
    await writeTurn('tenant-a', user);
    expect(await repo.beginTurn('tenant-b', user, BEGIN)).toEqual({ kind: 'new', seq: 1, recent: [] });
    expect(await repo.list('tenant-b', user)).toEqual([]);
    expect((await repo.list('tenant-a', user)).map((t) => t.seq)).toEqual([1, 2]);

    await repo.beginTurn('tenant-a', user, { ...BEGIN, clientMsgId: 'shared-id' });
    expect(await repo.beginTurn('tenant-b', user, { ...BEGIN, clientMsgId: 'shared-id' })).toMatchObject({ kind: 'new' });
  });

  it('erase removes history, seq and remembered replies, then reports nothing left', async () => {
    const user = newUser();
    const other = newUser();
    await writeTurn('acme', user);
    await repo.beginTurn('acme', user, { ...BEGIN, clientMsgId: 'm-a' });
    await repo.completeTurn('acme', user, turn(2), LIMITS, { clientMsgId: 'm-a', response: 'r', ttlSec: 300 });
    await repo.beginTurn('acme', user, { ...BEGIN, clientMsgId: 'm-b' }); // still pending
    await writeTurn('acme', other);

    const k = repo.keys('acme', user);
    expect(await redis.client.exists(k.history, k.seq, repo.messageKey('acme', user, 'm-a'), repo.messageKey('acme', user, 'm-b'))).toBe(4);

    expect(await repo.erase('acme', user)).toBe(true);
    expect(await redis.client.exists(k.history, k.seq, repo.messageKey('acme', user, 'm-a'), repo.messageKey('acme', user, 'm-b'))).toBe(0);
    const [, leftovers] = await redis.client.scan('0', 'MATCH', `${k.base}*`, 'COUNT', 10_000);
    expect(leftovers).toEqual([]);
    expect(await repo.list('acme', user)).toEqual([]);
    expect(await repo.beginTurn('acme', user, BEGIN)).toMatchObject({ kind: 'new', seq: 1, recent: [] });
    await repo.erase('acme', user);

    expect(await repo.erase('acme', user)).toBe(false);
    // Another user of the same tenant is untouched.
    expect(await repo.list('acme', other)).toHaveLength(1);
  });

  it('erase does not touch a user whose id shares a prefix', async () => {
    await writeTurn('acme', 'ann');
    await writeTurn('acme', 'anna');
    await repo.beginTurn('acme', 'anna', { ...BEGIN, clientMsgId: 'x' });
    expect(await repo.erase('acme', 'ann')).toBe(true);
    expect(await repo.list('acme', 'anna')).toHaveLength(1);
    expect(await repo.readClaim('acme', 'anna', 'x')).toBe(PENDING);
  });

  it('listAfter returns the turns after a seq, oldest first, across pages and out-of-order writes', async () => {
    const user = newUser();
    for (let i = 0; i < 40; i++) await writeTurn('acme', user);
    expect((await repo.listAfter('acme', user, 37)).map((t) => t.seq)).toEqual([38, 39, 40]);
    expect(await repo.listAfter('acme', user, 40)).toEqual([]);
    expect((await repo.listAfter('acme', user, 0, 4)).map((t) => t.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // Two turns in flight at once can complete in either order: 42 is pushed before 41.
    await repo.beginTurn('acme', user, BEGIN);
    await repo.beginTurn('acme', user, BEGIN);
    await repo.completeTurn('acme', user, turn(42), LIMITS);
    await repo.completeTurn('acme', user, turn(41), LIMITS);
    expect((await repo.listAfter('acme', user, 41)).map((t) => t.seq)).toEqual([42]);
    expect((await repo.listAfter('acme', user, 40, 2)).map((t) => t.seq)).toEqual([41, 42]);
    expect(await repo.listAfter('acme', newUser(), 0)).toEqual([]);
  });
});

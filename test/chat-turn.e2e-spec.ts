import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { KnowledgeService } from '#knowledge';
import { BANK_FAQ } from './support/bank-faq.js';
import { FengdaClient, http, uniqueTenantId } from './support/api-client.js';
import { startGateway, startWorker, type RunningApp } from './support/test-apps.js';
import { TestClock } from './support/test-clock.js';

const THIRTY_MINUTES = 30 * 60_000;

describe('chat turn, end to end (real Postgres, Redis, BullMQ, both apps)', () => {
  const clock = new TestClock();
  let gateway: RunningApp;
  let worker: RunningApp;
  let api: FengdaClient;
  let redis: Redis;
  let tenant: { id: string; apiKey: string };

  beforeAll(async () => {
    gateway = await startGateway({ clock });
    worker = await startWorker({ clock });
    api = new FengdaClient(gateway.url);
    redis = new Redis(process.env.FENGDA_TEST_REDIS_URL!, { protocol: 2 });
    // 'turn 101' sends 101 turns in a few seconds, far over the default per-user rate limit.
    tenant = await api.createTenant(uniqueTenantId('bank'), { rateLimit: { userPerMin: 100_000, userBurst: 200 } });
    await worker.app.get(KnowledgeService).upsertMany(tenant.id, BANK_FAQ);
  });

  afterAll(async () => {
    await gateway?.close();
    await worker?.close();
    redis?.disconnect();
  });

  const historyKey = (tenantId: string, userId: string): string =>
    `${process.env.FENGDA_TEST_REDIS_PREFIX}:{t:${tenantId}:u:${userId}}:history`;

  it('answers from the knowledge base and writes the turn and its audit row', async () => {
    const token = await api.token(tenant.apiKey, 'alice');
    const res = await api.chat(token, 'How do I reset my online banking password?');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source: 'kb', entryId: 'reset-password', seq: 1 });
    expect(res.body.answer).toContain('Forgot password');
    expect(res.body.confidence).toBeGreaterThan(0.3);

    const conversation = await api.conversation(tenant.apiKey, 'alice');
    expect(conversation.body.turns).toHaveLength(1);
    expect(conversation.body.turns[0]).toMatchObject({ seq: 1, query: 'How do I reset my online banking password?', source: 'kb' });

    const { AuditRepository } = await import('#audit');
    const audit = worker.app.get(AuditRepository);
    let rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      rows = (await audit.listRecent(tenant.id, 10)).filter((r) => r.kind === 'turn');
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows[0]).toMatchObject({ tenant_id: tenant.id, user_id: 'alice', seq: 1, source: 'kb', entry_id: 'reset-password' });
  });

  it('a user who comes back 30 minutes later continues the same topic', async () => {
    const userId = 'returning-bob';
    const first = await api.chat(await api.token(tenant.apiKey, userId), '信用卡账单可以分期吗?');
    expect(first.body).toMatchObject({ source: 'kb', entryId: 'card-instalment' });

    // 30 minutes pass for everyone: the apps' clock moves, Redis's remaining TTLs shrink by the
    // same amount, and the gateway is a new process (nothing held in memory survives).
    const oldToken = await api.token(tenant.apiKey, userId);
    clock.advance(THIRTY_MINUTES);
    const key = historyKey(tenant.id, userId);
    const pttl = await redis.pttl(key);
    expect(pttl).toBeGreaterThan(THIRTY_MINUTES);
    await redis.pexpire(key, pttl - THIRTY_MINUTES);
    await gateway.close();
    gateway = await startGateway({ clock });
    api = new FengdaClient(gateway.url);

    const stale = await api.chat(oldToken, '那手续费呢?');
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ code: 'TOKEN_EXPIRED' });

    const followUp = await api.chat(await api.token(tenant.apiKey, userId), '那手续费呢?');
    expect(followUp.status).toBe(200);
    expect(followUp.body).toMatchObject({ source: 'kb', entryId: 'card-instalment', seq: 2 });
    expect(followUp.body.answer).toContain('手续费');

    // Without the earlier turn the same elliptical question cannot be resolved.
    const stranger = await api.chat(await api.token(tenant.apiKey, 'fresh-carol'), '那手续费呢?');
    expect(stranger.body).toMatchObject({ source: 'fallback', answer: '系统繁忙,请稍后再试' });
  });

  it('sets the history expiry and refreshes it on every write', async () => {
    const custom = await api.createTenant(uniqueTenantId('ttl'), { historyTtlSec: 3600 });
    await worker.app.get(KnowledgeService).upsertMany(custom.id, BANK_FAQ);
    const token = await api.token(custom.apiKey, 'dave');
    await api.chat(token, '银行卡丢了怎么挂失?');
    const key = historyKey(custom.id, 'dave');
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(3590);
    expect(ttl).toBeLessThanOrEqual(3600);

    await redis.expire(key, 60);
    await api.chat(token, 'What are your branch opening hours?');
    expect(await redis.ttl(key)).toBeGreaterThan(3590);
  });

  it('turn 101 trims the history to the last 100 turns', async () => {
    const token = await api.token(tenant.apiKey, 'chatty-erin');
    for (let i = 1; i <= 101; i++) {
      const res = await api.chat(token, `What are your branch opening hours? #${i}`);
      expect(res.status).toBe(200);
    }
    const { body } = await api.conversation(tenant.apiKey, 'chatty-erin');
    expect(body.turns).toHaveLength(100);
    expect(body.turns[0]).toMatchObject({ seq: 2 });
    expect(body.turns[99]).toMatchObject({ seq: 101 });
  });

  it('answers a repeated clientMsgId once, with the first answer', async () => {
    const token = await api.token(tenant.apiKey, 'retrying-frank');
    const [a, b] = await Promise.all([
      api.chat(token, '跨行转账收费吗?', 'msg-001'),
      api.chat(token, '跨行转账收费吗?', 'msg-001'),
    ]);
    const c = await api.chat(token, '跨行转账收费吗?', 'msg-001');
    for (const res of [a, b, c]) expect(res.status).toBe(200);
    expect(b.body).toEqual(a.body);
    expect(c.body).toEqual(a.body);
    const { body } = await api.conversation(tenant.apiKey, 'retrying-frank');
    expect(body.turns).toHaveLength(1);
    expect(body.turns[0]).toMatchObject({ clientMsgId: 'msg-001', seq: a.body.seq });
  });

  it('erases a conversation on request', async () => {
    const token = await api.token(tenant.apiKey, 'leaving-gina');
    await api.chat(token, '银行卡丢了怎么挂失?', 'bye-1');
    const erased = await http(`${gateway.url}/v1/conversations/leaving-gina`, { method: 'DELETE', token: tenant.apiKey });
    expect(erased.body).toEqual({ userId: 'leaving-gina', erased: true });
    expect((await api.conversation(tenant.apiKey, 'leaving-gina')).body.turns).toEqual([]);
    const again = await api.chat(token, '银行卡丢了怎么挂失?');
    expect(again.body).toMatchObject({ seq: 1 });
  });

  it('answers the fallback within the deadline when the worker is down, and drops the late reply', async () => {
    const slow = await api.createTenant(uniqueTenantId('deadline'), { answerDeadlineMs: 400, fallbackText: '稍后再试 (fallback)' });
    await worker.app.get(KnowledgeService).upsertMany(slow.id, BANK_FAQ);
    const token = await api.token(slow.apiKey, 'henry');
    await worker.close();

    const res = await api.chat(token, 'What are your branch opening hours?', 'late-1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source: 'fallback', answer: '稍后再试 (fallback)', seq: 1 });
    expect(res.ms).toBeGreaterThanOrEqual(395);
    expect(res.ms).toBeLessThan(400 + 50);

    // The worker returns and finds the job: past its deadline, it is dropped, not written twice.
    worker = await startWorker({ clock });
    const next = await api.chat(token, 'What are your branch opening hours?');
    expect(next.body).toMatchObject({ source: 'kb', seq: 2 });
    const { body } = await api.conversation(slow.apiKey, 'henry');
    expect(body.turns.map((t) => t.seq)).toEqual([1, 2]);
    const retried = await api.chat(token, 'What are your branch opening hours?', 'late-1');
    expect(retried.body).toMatchObject({ source: 'fallback', seq: 1 });
  });
});

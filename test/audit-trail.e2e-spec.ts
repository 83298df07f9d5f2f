import { beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { AuditRepository } from '#audit';
import { KnowledgeService } from '#knowledge';
import { JobName, QueueName } from '#queue';
import { http, uniqueTenantId } from './support/api-client.js';
import { BANK_FAQ } from './support/bank-faq.js';
import { ADMIN_TOKEN } from './support/test-apps.js';
import { useApps } from './support/use-apps.js';

interface Entry {
  id: string;
  eventId: string;
  kind: string;
  actor: string;
  userId: string | null;
  seq: number | null;
  query: string | null;
  source: string | null;
  action: string | null;
  at: string;
}
interface Page {
  items: Entry[];
  nextCursor: string | null;
}

const DAY_MS = 24 * 3600 * 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('audit trail API and retention', () => {
  const apps = useApps();
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };
  const started = new Date(Date.now() - 1000).toISOString();
  const answers: { userId: string; seq: number; source: string }[] = [];

  const audit = (apiKey: string, params: Record<string, string | number> = {}) =>
    http<Page>(`${apps.gateway.url}/v1/audit?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`, { token: apiKey });

  /** Polls until the tenant's audit trail holds `count` rows of the kind (records arrive through the queue). */
  const waitForRows = async (apiKey: string, kind: string, count: number): Promise<Entry[]> => {
    let items: Entry[] = [];
    for (let i = 0; i < 100; i++) {
      items = (await audit(apiKey, { kind, limit: 500 })).body.items;
      if (items.length >= count) return items;
      await sleep(100);
    }
    return items;
  };

  beforeAll(async () => {
    a = await apps.api.createTenant(uniqueTenantId('audit-a'), { rateLimit: { userBurst: 50 } });
    b = await apps.api.createTenant(uniqueTenantId('audit-b'));
    await apps.worker.app.get(KnowledgeService).upsertMany(a.id, BANK_FAQ);
    const turns: [string, string][] = [
      ['alice', '银行卡丢了怎么挂失?'],
      ['alice', 'What are your branch opening hours?'],
      ['bob', '跨行转账收费吗?'],
      ['alice', 'something nobody can answer'],
      ['bob', 'How do I reset my online banking password?'],
      ['alice', '信用卡账单可以分期吗?'],
      ['bob', '=HYPERLINK("http://evil.example/?x=1","click"), then "quote"'],
    ];
    for (const [userId, query] of turns) {
      const res = await apps.api.chat(await apps.api.token(a.apiKey, userId), query);
      expect(res.status).toBe(200);
      answers.push({ userId, seq: res.body.seq as number, source: res.body.source as string });
    }
    await apps.api.chat(await apps.api.token(b.apiKey, 'carol'), '银行卡丢了怎么挂失?');
    await waitForRows(a.apiKey, 'turn', turns.length);
    await waitForRows(b.apiKey, 'turn', 1);
  });

  it('audits every turn exactly once, newest first', async () => {
    const { status, body } = await audit(a.apiKey, { kind: 'turn' });
    expect(status).toBe(200);
    expect(body.items).toHaveLength(answers.length);
    expect(new Set(body.items.map((e) => e.eventId)).size).toBe(answers.length);
    const bySeq = (e: { userId: string | null; seq: number | null }) => `${e.userId}#${e.seq}`;
    expect(body.items.map(bySeq).sort()).toEqual(answers.map(bySeq).sort());
    const times = body.items.map((e) => Date.parse(e.at));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect(body.nextCursor).toBeNull();
    expect(body.items[0]).toMatchObject({ kind: 'turn', actor: 'bob', userId: 'bob' });
  });

  it('filters by user, source, kind and time', async () => {
    const alice = await audit(a.apiKey, { userId: 'alice' });
    expect(alice.body.items).toHaveLength(answers.filter((t) => t.userId === 'alice').length);
    expect(alice.body.items.every((e) => e.userId === 'alice')).toBe(true);

    // Whatever the engine answered (kb, or fallback on a slow machine), the filter finds exactly those.
    for (const source of new Set(answers.map((t) => t.source))) {
      const matching = (await audit(a.apiKey, { source, kind: 'turn' })).body.items;
      expect(matching).toHaveLength(answers.filter((t) => t.source === source).length);
      expect(matching.every((e) => e.source === source)).toBe(true);
    }
    expect((await audit(a.apiKey, { source: 'fallback', userId: 'alice' })).body.items.every((e) => e.source === 'fallback' && e.userId === 'alice')).toBe(true);

    const admin = await audit(a.apiKey, { kind: 'admin' });
    expect(admin.body.items.map((e) => e.action)).toContain('tenant.create');

    expect((await audit(a.apiKey, { kind: 'turn', from: started, to: new Date(Date.now() + 60_000).toISOString() })).body.items).toHaveLength(answers.length);
    expect((await audit(a.apiKey, { kind: 'turn', to: started })).body.items).toHaveLength(0);
    const all = (await audit(a.apiKey, { kind: 'turn' })).body.items;
    const middle = all[3]!.at;
    const newer = (await audit(a.apiKey, { kind: 'turn', from: middle })).body.items;
    const older = (await audit(a.apiKey, { kind: 'turn', to: middle })).body.items;
    expect(newer.length + older.length).toBe(all.length);
    expect(newer.every((e) => e.at >= middle) && older.every((e) => e.at < middle)).toBe(true);
  });

  it('pages with a cursor without duplicates or gaps, even while new rows arrive', async () => {
    const all = (await audit(a.apiKey, { kind: 'turn' })).body.items.map((e) => e.id);
    const seen: string[] = [];
    let page = await audit(a.apiKey, { kind: 'turn', limit: 2 });
    seen.push(...page.body.items.map((e) => e.id));
    // A new turn lands mid-way: it is newer than the cursor, so it shifts nothing.
    await apps.api.chat(await apps.api.token(a.apiKey, 'dave'), 'What are your branch opening hours?');
    await waitForRows(a.apiKey, 'turn', all.length + 1);
    while (page.body.nextCursor) {
      page = await audit(a.apiKey, { kind: 'turn', limit: 2, cursor: page.body.nextCursor });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((e) => e.id));
    }
    expect(seen).toEqual(all);
  });

  it('pages correctly through rows written at the same instant', async () => {
    const tenant = await apps.api.createTenant(uniqueTenantId('audit-ties'));
    const at = new Date(Date.now() - 60_000).toISOString();
    await apps.worker.app.get(AuditRepository).insertBatch(
      Array.from({ length: 5 }, (_, i) => ({ tenantId: tenant.id, eventId: randomUUID(), kind: 'turn' as const, actor: `u${i}`, userId: `u${i}`, seq: 1, at })),
    );
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await audit(tenant.apiKey, { kind: 'turn', limit: 2, ...(cursor ? { cursor } : {}) });
      ids.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
  });

  it('stores every value exactly as given, whatever characters it holds (rows travel as array parameters)', async () => {
    const tenant = await apps.api.createTenant(uniqueTenantId('audit-values'));
    const repository = apps.worker.app.get(AuditRepository);
    const awkward = `quote " backslash \\ braces {a,b} comma, NULL 'single' 换行\n\t emoji 🙂`;
    const at = new Date(Date.now() - 30_000).toISOString();
    const full = {
      tenantId: tenant.id, eventId: randomUUID(), kind: 'turn' as const, actor: awkward, userId: 'NULL', seq: 7,
      query: awkward, answer: '', source: 'kb' as const, confidence: 0.25, entryId: '{}', latencyMs: 12, at,
    };
    const sparse = {
      tenantId: tenant.id, eventId: randomUUID(), kind: 'admin' as const, actor: 'admin', action: 'kb.import',
      detail: { note: awkward, nested: { list: [1, null, 'x'] } }, at,
    };
    expect(await repository.insertBatch([full, sparse, full])).toBe(2);
    const items = (await audit(tenant.apiKey, { limit: 10 })).body.items;
    const byEvent = new Map(items.map((e) => [e.eventId, e as unknown as Record<string, unknown>]));
    expect(byEvent.get(full.eventId)).toMatchObject({
      actor: awkward, userId: 'NULL', seq: 7, query: awkward, answer: '', source: 'kb', confidence: 0.25, entryId: '{}', latencyMs: 12, at,
    });
    const stored = byEvent.get(sparse.eventId)!;
    expect(stored).toMatchObject({ kind: 'admin', action: 'kb.import', detail: sparse.detail, at });
    for (const absent of ['userId', 'seq', 'query', 'answer', 'confidence', 'entryId', 'latencyMs']) expect(stored[absent] ?? null).toBeNull();
  });

  it('exports JSON Lines and CSV (formula cells neutralised)', async () => {
    const jsonl = await fetch(`${apps.gateway.url}/v1/audit?kind=turn&format=jsonl`, { headers: { authorization: `Bearer ${a.apiKey}` } });
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await jsonl.text()).trim().split('\n').map((l) => JSON.parse(l) as Entry);
    const turnCount = (await audit(a.apiKey, { kind: 'turn' })).body.items.length;
    expect(lines).toHaveLength(turnCount);
    expect(lines[0]).toMatchObject({ kind: 'turn', eventId: expect.any(String) });

    const csv = await fetch(`${apps.gateway.url}/v1/audit?kind=turn&format=csv`, { headers: { authorization: `Bearer ${a.apiKey}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain(`audit-${a.id}.csv`);
    const text = await csv.text();
    const rows = text.split('\r\n').filter(Boolean);
    expect(rows[0]!.startsWith('at,id,eventId,kind,actor,userId')).toBe(true);
    expect(rows).toHaveLength(turnCount + 1);
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/?x=1"",""click""), then ""quote"""`);
  });

  it("shows a tenant only its own rows, by any filter or export", async () => {
    const aIds = new Set((await audit(a.apiKey, { limit: 500 })).body.items.map((e) => e.eventId));
    const bAll = (await audit(b.apiKey, { limit: 500 })).body.items;
    expect(bAll.length).toBeGreaterThan(0);
    expect(bAll.some((e) => aIds.has(e.eventId))).toBe(false);
    expect((await audit(b.apiKey, { userId: 'alice' })).body.items).toEqual([]);
    const bExport = await (await fetch(`${apps.gateway.url}/v1/audit?format=jsonl`, { headers: { authorization: `Bearer ${b.apiKey}` } })).text();
    expect(bExport).not.toContain('alice');
    // A's cursor is only a position: with B's key it still reads B's rows only.
    const aPage = await audit(a.apiKey, { limit: 1 });
    const withACursor = await audit(b.apiKey, { cursor: aPage.body.nextCursor!, limit: 500 });
    expect(withACursor.body.items.some((e) => aIds.has(e.eventId))).toBe(false);
    expect(await http(`${apps.gateway.url}/v1/audit`, { token: b.apiKey, headers: { 'x-tenant-id': a.id } })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    expect(await http(`${apps.gateway.url}/v1/audit`, {})).toMatchObject({ status: 401 });
    expect(await http(`${apps.gateway.url}/v1/audit`, { token: ADMIN_TOKEN })).toMatchObject({ status: 401 });
  });

  it.each([
    ['limit over 500', { limit: 501 }],
    ['limit 0', { limit: 0 }],
    ['a cursor it did not issue', { cursor: 'bm90LWEtY3Vyc29y' }],
    ['a malformed cursor', { cursor: 'a.b' }],
    ['from after to', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }],
    ['a time without a zone', { from: '2026-01-01T10:00:00' }],
    ['an unknown source', { source: 'oracle' }],
    ['an unknown format', { format: 'xml' }],
    ['an unknown parameter', { tenantId: 'someone-else' }],
  ])('refuses %s with 400', async (_name, params) => {
    expect(await audit(a.apiKey, params as Record<string, string | number>)).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });

  it('keeps a job scheduler for retention, and the retention job deletes only expired rows, per tenant', async () => {
    const queue = apps.worker.app.get<Queue>(getQueueToken(QueueName.Maintenance));
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'audit-retention-hourly', every: 3_600_000 })]));

    const short = await apps.api.createTenant(uniqueTenantId('audit-30d'), { auditRetentionDays: 30 });
    const long = await apps.api.createTenant(uniqueTenantId('audit-365d'));
    const row = (tenantId: string, ageDays: number) => ({
      tenantId, eventId: `age-${ageDays}-${randomUUID()}`, kind: 'turn' as const, actor: 'u', userId: 'u', at: new Date(Date.now() - ageDays * DAY_MS).toISOString(),
    });
    const repository = apps.worker.app.get(AuditRepository);
    await repository.insertBatch([row(short.id, 40), row(short.id, 31), row(short.id, 29), row(short.id, 1), row(long.id, 400), row(long.id, 40)]);

    await queue.add(JobName.AuditRetentionSweep, { scope: 'all-tenants' });
    const ages = async (tenant: { apiKey: string }) =>
      (await audit(tenant.apiKey, { kind: 'turn', limit: 500 })).body.items.map((e) => Number(e.eventId.split('-')[1])).sort((x, y) => x - y);
    let shortAges: number[] = [];
    for (let i = 0; i < 100; i++) {
      shortAges = await ages(short);
      if (shortAges.length === 2 && (await ages(long)).length === 1) break;
      await sleep(100);
    }
    expect(shortAges).toEqual([1, 29]);
    expect(await ages(long)).toEqual([40]);
  });
});

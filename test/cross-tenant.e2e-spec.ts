import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { KbEntry } from '#knowledge';
import { FengdaClient, http, type HttpResult } from './support/api-client.js';
import { BANK_FAQ } from './support/bank-faq.js';
import { FakeLlmServer } from '../scripts/support/fake-llm-server.js';
import { toNdjson } from './support/kb-fixtures.js';
import { jobHaystackOf, jobPartOf, leaks, recordEnqueuedJobs, scanRedis, type EnqueuedJob, type Haystack, type RedisRecord } from './support/leak-scan.js';
import { LogCapture } from './support/log-capture.js';
import { GATEWAY_ROUTES } from './support/route-catalog.js';
import { ADMIN_TOKEN, startGateway, startWorker, type RunningApp } from './support/test-apps.js';
import { WsTestClient } from './support/ws-client.js';

/**
 * Tenant A's credentials against tenant B's resources, on every tenant-scoped route (REST,
 * SSE, the OpenAI facade, the WebSocket, and the admin routes): refused, or A's own (empty)
 * namespace, never B's data. Then a sweep of everything written for A (Redis keys and values,
 * queue jobs, Postgres rows, both apps' log lines, LLM prompts, handoff webhooks) for anything
 * of B.
 *
 * Two phases. In phase 1 A only chats, so nothing of A may name B at all (B's tenant id, B's
 * user id, B's entry ids, B's marker text). In phase 2 A types B's ids into its own requests
 * (entry ids, user ids, cursors, key ids, `X-Tenant-Id`): those ids are then A's own input in
 * A's own namespace (A's user "b-user-7f3a" is not B's), so from then on only B's tenant id,
 * B's secrets and B's content (marker text) must stay out of A's data.
 */

const RUN = randomBytes(4).toString('hex');
const MARKER_A = `MARKER-A-${RUN}`;
const MARKER_B = `MARKER-B-${RUN}`;
const PROBE = `PROBE-${RUN}`;
const B_USER = 'b-user-7f3a';
const SHARED = 'shared-user';
const A_USERS = ['a-user-1', 'a-user-2'];
const B_ENTRY = `b-entry-${RUN}`;
const B_VAULT = `b-vault-${RUN}`;
const B_TAG = `b-tag-${RUN}`;
const LLM_KEY_A = `sk-a-${randomBytes(8).toString('hex')}`;
const LLM_KEY_B = `sk-b-${randomBytes(8).toString('hex')}`;
const HOOK_TOKEN_B = `hook-b-${randomBytes(6).toString('hex')}`;
/** Request ids of A's calls: A's log lines in both apps are found by them too. */
const A_REQ = `xt-a-req-${RUN}`;
/** Failed admin/API-key attempts are counted per client IP: this suite's count under its own (trusted-proxy) address. */
const CLIENT_IP = { 'x-forwarded-for': '198.51.100.71' };
const SECRETS = { SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64') };

interface Tenant {
  id: string;
  apiKey: string;
  /** Public prefix of each of its keys (the audit actor of API-key writes). */
  keyPrefixes: string[];
  keyIds: string[];
  apiKeys: string[];
  webhookSecret?: string;
}

interface Delivery {
  path: string;
  raw: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(50);
    value = await read();
  }
  return value;
};

const decodeJwt = (token: string): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('cross-tenant isolation on every tenant-scoped route', () => {
  const gatewayLogs = new LogCapture('gateway', 'debug');
  const workerLogs = new LogCapture('nlp-worker', 'debug');
  const jobs: EnqueuedJob[] = [];
  const deliveries: Delivery[] = [];
  const restores: (() => void)[] = [];
  /** Every response A got, as text. */
  const aResponses: Haystack[] = [];
  /** The WebSocket is no Fastify route (no request log line): its use is noted here. */
  let wsExercised = false;
  let reqCount = 0;

  let gateway: RunningApp;
  let worker: RunningApp;
  let api: FengdaClient;
  let fake: FakeLlmServer;
  let hooks: Server;
  let hooksUrl: string;
  let redis: Redis;
  let owner: pg.Client;
  let a: Tenant;
  let b: Tenant;
  let bTokens: Record<string, string>;

  const prefix = (): string => process.env.FENGDA_TEST_REDIS_PREFIX!;

  /** A's calls carry A's request id (so its log lines in both apps are found) and are kept for the leak check. */
  const asA = async <T = Record<string, unknown>>(url: string, init: Parameters<typeof http>[1] = {}): Promise<HttpResult<T>> => {
    const res = await http<T>(url, { ...init, headers: { 'x-request-id': `${A_REQ}-${++reqCount}`, ...CLIENT_IP, ...(init.headers ?? {}) } });
    aResponses.push({ where: `response to A's ${init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET')} ${url}`, text: JSON.stringify(res.body) });
    return res;
  };

  /** A raw fetch of A's (streams, exports), kept for the leak check. */
  const fetchAsA = async (url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<{ status: number; text: string; contentType: string | null }> => {
    const res = await fetch(url, { ...init, headers: { 'x-request-id': `${A_REQ}-${++reqCount}`, ...CLIENT_IP, ...(init.headers ?? {}) } });
    const text = await res.text();
    aResponses.push({ where: `response to A's ${init.method ?? 'GET'} ${url}`, text });
    return { status: res.status, text, contentType: res.headers.get('content-type') };
  };

  const createTenant = async (label: 'a' | 'b', name: string, llmKey: string, systemPrompt: string, hookPath: string): Promise<Tenant> => {
    const id = `xt-${label}-${RUN}`;
    const created = await http<Record<string, any>>(`${gateway.url}/v1/admin/tenants`, {
      token: ADMIN_TOKEN,
      body: {
        id,
        name,
        config: {
          answerDeadlineMs: 10_000,
          rateLimit: { userPerMin: 10_000, userBurst: 1_000 },
          llm: { baseUrl: fake.baseUrl, model: 'fake-model', apiKey: llmKey, systemPrompt },
          handoffWebhookUrl: `${hooksUrl}${hookPath}`,
        },
      },
    });
    expect(created.status).toBe(201);
    const apiKey = created.body.apiKey as string;
    return { id, apiKey, apiKeys: [apiKey], keyPrefixes: [apiKey.split('_')[1]!], keyIds: [created.body.apiKeyId as string], webhookSecret: created.body.handoffWebhookSecret as string };
  };

  const sse = (token: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${gateway.url}/v1/chat/stream`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  const completion = (apiKey: string, user: string, content: string, extra: Record<string, unknown> = {}) => ({
    url: `${gateway.url}/v1/chat/completions`,
    init: { token: apiKey, body: { model: 'fengda', user, messages: [{ role: 'user', content }], ...extra } },
  });

  const turnRows = async (tenantId: string): Promise<number> =>
    Number((await owner.query(`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND kind = 'turn'`, [tenantId])).rows[0].n);

  const auditRows = async (tenantId: string): Promise<Record<string, unknown>[]> =>
    (await owner.query(`SELECT * FROM audit_log WHERE tenant_id = $1 ORDER BY id`, [tenantId])).rows as Record<string, unknown>[];

  /** Everything stored for a tenant, each as a haystack: Redis keys and values, jobs, rows, log lines, LLM prompts, webhooks. */
  const storedFor = async (tenant: Tenant, webhookPath: string, llmKey: string, requestIdPrefix?: string): Promise<Record<string, Haystack[]>> => {
    const records = await scanRedis(redis, [`${prefix()}:*`, `{${prefix()}:bull}:*`]);
    const tenantJobs = jobs.filter((j) => jobPartOf(j.data, tenant.id) !== undefined);
    const jobIds = new Set(tenantJobs.map((j) => `${j.queue}:${j.id}`));
    const redisHaystacks: Haystack[] = [];
    for (const record of records) {
      if (record.type === 'stream') {
        // Queue event streams: the entries about this tenant's jobs.
        const queue = /:bull\}:([^:]+):events$/.exec(record.key)?.[1];
        const entries = JSON.parse(record.text.slice(record.text.indexOf('\n') + 1)) as [string, string[]][];
        for (const [entryId, fields] of entries) {
          const jobId = fields[fields.indexOf('jobId') + 1];
          const text = JSON.stringify(fields);
          if (text.includes(tenant.id) || (queue && fields.includes('jobId') && jobIds.has(`${queue}:${jobId}`))) {
            redisHaystacks.push({ where: `redis stream ${record.key} entry ${entryId}`, text });
          }
        }
      } else if (record.key.includes(tenant.id)) {
        redisHaystacks.push(record);
      } else {
        // A job hash: the tenant's part of it (an answer batch may also hold other tenants' turns, each its own).
        const job = jobHaystackOf(record as RedisRecord, tenant.id);
        if (job) redisHaystacks.push(job);
      }
    }
    const rows: Haystack[] = [];
    for (const [table, column] of [['audit_log', 'tenant_id'], ['kb_entries', 'tenant_id'], ['api_keys', 'tenant_id'], ['tenants', 'id']] as const) {
      const found = await owner.query(`SELECT row_to_json(t)::text AS text FROM ${table} t WHERE ${column} = $1`, [tenant.id]);
      rows.push(...found.rows.map((row: { text: string }, i: number) => ({ where: `postgres ${table} row ${i} of ${tenant.id}`, text: row.text })));
    }
    const tenantJobIds = new Set(tenantJobs.map((j) => String(j.id)));
    const ofTenant = (line: Record<string, unknown>): boolean =>
      line.tenantId === tenant.id ||
      (requestIdPrefix !== undefined && String(line.requestId ?? '').startsWith(requestIdPrefix)) ||
      String(line.jobId ?? '').includes(tenant.id) ||
      (line.jobId !== undefined && tenantJobIds.has(String(line.jobId)) && line.tenantId === undefined);
    const logs = [
      ...gatewayLogs.lines.filter(ofTenant).map((line, i) => ({ where: `gateway log line ${i} (${String(line.msg)})`, text: JSON.stringify(line) })),
      ...workerLogs.lines.filter(ofTenant).map((line, i) => ({ where: `worker log line ${i} (${String(line.msg)})`, text: JSON.stringify(line) })),
    ];
    return {
      redis: redisHaystacks,
      jobs: tenantJobs.map((j) => ({ where: `${j.app} job ${j.queue}/${j.name}#${String(j.id)}`, text: JSON.stringify(jobPartOf(j.data, tenant.id)) })),
      postgres: rows,
      logs,
      llm: fake.requestsWithKey(llmKey).map((r, i) => ({ where: `LLM request ${i} with ${tenant.id}'s key`, text: JSON.stringify(r.body) })),
      webhooks: deliveries.filter((d) => d.path.startsWith(webhookPath)).map((d, i) => ({ where: `webhook delivery ${i} to ${d.path}`, text: d.raw })),
    };
  };

  const expectNoLeaks = (stored: Record<string, Haystack[]>, needles: string[]): void => {
    const found = Object.values(stored).flatMap((haystacks) => leaks(haystacks, needles));
    expect(found).toEqual([]);
  };

  /** B's secrets and B's content: never in anything of A's, in any phase. */
  // A key's secret is everything after `fdk_<prefix>_`: it is base64url, so it may itself hold '_' (split('_')[2] once
  // gave a 3-character needle that a random trace id contained).
  const keySecret = (key: string): string => key.slice(key.indexOf('_', 'fdk_'.length) + 1);
  const bContent = (): string[] => [b.id, MARKER_B, HOOK_TOKEN_B, LLM_KEY_B, ...b.apiKeys, ...b.apiKeys.map(keySecret), ...b.keyPrefixes, ...b.keyIds, b.webhookSecret!];
  /** Plus B's ids, which A never typed in phase 1. */
  const bEverything = (): string[] => [...bContent(), B_USER, B_ENTRY, B_VAULT, B_TAG, PROBE];
  const aEverything = (): string[] => [a.id, MARKER_A, ...A_USERS, LLM_KEY_A, ...a.apiKeys, ...a.keyPrefixes, ...a.keyIds, a.webhookSecret!, A_REQ];

  beforeAll(async () => {
    fake = await FakeLlmServer.start();
    hooks = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        deliveries.push({ path: req.url ?? '', raw: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve));
    hooksUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
    const limits = { ADMIN_AUTH_FAILURES_PER_MIN: '1000', API_KEY_AUTH_FAILURES_PER_MIN: '1000', LOG_LEVEL: 'debug', ...SECRETS };
    gateway = await startGateway({ logger: gatewayLogs.logger, env: limits });
    worker = await startWorker({ logger: workerLogs.logger, env: { LOG_LEVEL: 'debug', HANDOFF_WEBHOOK_BACKOFF_MS: '100', ...SECRETS } });
    restores.push(recordEnqueuedJobs('gateway', gateway.app, jobs), recordEnqueuedJobs('worker', worker.app, jobs));
    api = new FengdaClient(gateway.url);
    redis = new Redis(process.env.FENGDA_TEST_REDIS_URL!, { lazyConnect: true });
    await redis.connect();
    owner = new pg.Client({ connectionString: process.env.FENGDA_TEST_DATABASE_URL });
    await owner.connect();

    a = await createTenant('a', 'Bank A', LLM_KEY_A, `You answer for Bank A ${MARKER_A}`, '/hooks/a');
    b = await createTenant('b', `Bank B ${MARKER_B}`, LLM_KEY_B, `You answer for Bank B ${MARKER_B}`, `/hooks/b?token=${HOOK_TOKEN_B}`);
    const second = await http<Record<string, string>>(`${gateway.url}/v1/admin/tenants/${b.id}/api-keys`, { token: ADMIN_TOKEN, body: { label: `crm ${MARKER_B}` } });
    expect(second.status).toBe(201);
    b.apiKeys.push(second.body.apiKey!);
    b.keyIds.push(second.body.id!);
    b.keyPrefixes.push(second.body.prefix!);

    // Both tenants answer the same bank FAQ; B's copy and B's own entries carry B's marker.
    const bFaq: KbEntry[] = BANK_FAQ.map((e) => ({ ...e, answer: `${e.answer} ${MARKER_B}` }));
    const aImport = await http(`${gateway.url}/v1/kb/import`, { token: a.apiKey, raw: toNdjson(BANK_FAQ), headers: { 'content-type': 'application/x-ndjson' } });
    expect(aImport.status).toBe(200);
    const bImport = await http(`${gateway.url}/v1/kb/import`, { token: b.apiKey, raw: toNdjson(bFaq), headers: { 'content-type': 'application/x-ndjson' } });
    expect(bImport.status).toBe(200);
    for (const entry of [
      { id: B_VAULT, question: `How do I open the ${PROBE} vault account?`, answer: `Vault procedure ${MARKER_B}`, tags: [B_TAG] },
      { id: B_ENTRY, question: 'How do I reset my online banking password?', answer: `B's own reset procedure ${MARKER_B}`, similarQuestions: [`${MARKER_B} reset`], tags: [B_TAG] },
    ]) {
      expect((await http(`${gateway.url}/v1/kb/entries`, { token: b.apiKeys[1], body: entry })).status).toBe(201);
    }

    // B's customers talk on every channel, with B's marker in their words and in B's answers.
    fake.reset({ kind: 'answer', text: `B's model says ${MARKER_B}` });
    bTokens = { [B_USER]: await api.token(b.apiKey, B_USER), [SHARED]: await api.token(b.apiKey, SHARED) };
    const bUser = bTokens[B_USER]!;
    expect((await api.chat(bUser, `${MARKER_B} 银行卡丢了怎么挂失?`, 'b-m1')).status).toBe(200);
    expect((await api.chat(bUser, `How do I reset my online banking password? ${MARKER_B}`)).status).toBe(200);
    const bStream = await sse(bUser, { query: `${MARKER_B} What are your branch opening hours?` });
    expect(bStream.status).toBe(200);
    await bStream.text();
    const bCompletion = completion(b.apiKey, B_USER, `How do I open the ${PROBE} vault account? ${MARKER_B}`);
    expect((await http(bCompletion.url, bCompletion.init)).status).toBe(200);
    const bWs = await WsTestClient.connect(gateway.url, { token: bUser });
    await bWs.nextOf('ready');
    expect((await bWs.ask(`${MARKER_B} 信用卡账单可以分期吗?`, 'b-ws-1')).final).toMatchObject({ type: 'answer', seq: 5 });
    await bWs.close();
    expect((await api.chat(bTokens[SHARED]!, `${MARKER_B} when are branches open`)).status).toBe(200);
    expect((await api.chat(bUser, '转人工')).body).toMatchObject({ source: 'handoff', seq: 6 });
    expect((await http(`${gateway.url}/v1/auth/revoke`, { token: b.apiKey, body: { userId: `${B_USER}-old` } })).status).toBe(200);

    // B's trail is complete before A starts: nothing of B is in flight during A's turns.
    expect(await until(() => turnRows(b.id), (n) => n >= 7)).toBe(7);
    await until(async () => deliveries.filter((d) => d.path.startsWith('/hooks/b')).length, (n) => n >= 1);
    expect(deliveries.filter((d) => d.path.startsWith('/hooks/b'))).toHaveLength(1);
    await until(async () => (await auditRows(b.id)).filter((r) => r.action === 'tokens.revoke').length, (n) => n >= 1);
  });

  afterAll(async () => {
    restores.forEach((restore) => restore());
    await redis?.quit();
    await owner?.end();
    await gateway?.close();
    await worker?.close();
    await fake?.close();
    hooks?.closeAllConnections();
    await new Promise<void>((resolve) => (hooks ? hooks.close(() => resolve()) : resolve()));
  });

  describe("phase 1: A's turns", () => {
    it('A chats on REST, SSE, the OpenAI facade and the WebSocket, and sees only its own knowledge base and history', async () => {
      fake.reset({ kind: 'answer', text: `A's model says ${MARKER_A}` });
      const tokenOf = async (userId: string): Promise<string> => {
        const res = await asA<{ token: string }>(`${gateway.url}/v1/auth/token`, { token: a.apiKey, body: { userId } });
        expect(res.status).toBe(200);
        expect(decodeJwt(res.body.token)).toMatchObject({ tid: a.id, sub: userId });
        return res.body.token;
      };
      const user1 = await tokenOf('a-user-1');
      const shared = await tokenOf(SHARED);

      const first = await asA(`${gateway.url}/v1/chat`, { token: user1, body: { query: `信用卡账单可以分期吗? ${MARKER_A}`, clientMsgId: 'a-m1' } });
      expect(first.body).toMatchObject({ seq: 1 });
      const followUp = await asA(`${gateway.url}/v1/chat`, { token: user1, body: { query: '那手续费呢?' } });
      expect(followUp.body).toMatchObject({ seq: 2 });

      const streamed = await fetchAsA(`${gateway.url}/v1/chat/stream`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user1}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'How do I reset my online banking password?' }),
      });
      expect(streamed.status).toBe(200);
      expect(streamed.text).toContain('event: answer');

      const c1 = completion(a.apiKey, 'a-user-2', `What are your branch opening hours? ${MARKER_A}`);
      const completed = await asA<Record<string, any>>(c1.url, c1.init);
      expect(completed.status).toBe(200);
      expect(completed.body.fengda).toMatchObject({ seq: 1 });
      const c2 = completion(a.apiKey, 'a-user-2', '银行卡丢了怎么挂失?', { stream: true });
      const streamedCompletion = await fetchAsA(c2.url, { method: 'POST', headers: { authorization: `Bearer ${a.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(c2.init.body) });
      expect(streamedCompletion.status).toBe(200);
      expect(streamedCompletion.text).toContain('data: [DONE]');

      // The same user id as one of B's users: A's own, empty conversation.
      const ws = await WsTestClient.connect(gateway.url, { token: shared, headers: { 'x-request-id': `${A_REQ}-ws` } });
      wsExercised = true;
      expect(await ws.nextOf('ready')).toMatchObject({ userId: SHARED });
      const wsTurn = await ws.ask('What are your branch opening hours?', 'a-ws-1');
      expect(wsTurn.final).toMatchObject({ type: 'answer', seq: 1 });
      await ws.close();
      aResponses.push({ where: "A's WebSocket frames", text: JSON.stringify(ws.frames) });
      expect((await asA(`${gateway.url}/v1/chat`, { token: shared, body: { query: '那周末呢?' } })).body).toMatchObject({ seq: 2 });
      expect((await asA(`${gateway.url}/v1/chat`, { token: user1, body: { query: '转人工' } })).body).toMatchObject({ source: 'handoff', seq: 4 });

      const sharedHistory = await asA<{ turns: { seq: number; query: string }[] }>(`${gateway.url}/v1/conversations/${SHARED}`, { token: a.apiKey });
      expect(sharedHistory.body.turns.map((t) => [t.seq, t.query])).toEqual([[1, 'What are your branch opening hours?'], [2, '那周末呢?']]);
      // A resume replays A's turns only.
      const resumed = await WsTestClient.connect(gateway.url, { token: shared, lastSeq: 0 });
      const done = await resumed.nextOf('resumed');
      expect(done).toMatchObject({ count: 2, lastSeq: 2 });
      await resumed.close();
      aResponses.push({ where: "A's WebSocket resume", text: JSON.stringify(resumed.frames) });

      // A's model was asked, with A's prompt and A's knowledge base only (checked below).
      expect(fake.requestsWithKey(LLM_KEY_A).length).toBeGreaterThan(0);
      expect(fake.requestsWithKey(LLM_KEY_B)).toHaveLength(0);
      expect(leaks(aResponses, bEverything())).toEqual([]);
    });

    it("nothing written for A's turns names B: Redis keys and values, queue jobs, Postgres rows, log lines, LLM prompts, webhooks", async () => {
      expect(await until(() => turnRows(a.id), (n) => n >= 8)).toBe(8);
      await until(async () => deliveries.filter((d) => d.path.startsWith('/hooks/a')).length, (n) => n >= 1);
      const stored = await storedFor(a, '/hooks/a', LLM_KEY_A, A_REQ);
      // Each place was actually looked at (an empty haystack proves nothing).
      for (const [where, haystacks] of Object.entries(stored)) expect([where, haystacks.length > 0]).toEqual([where, true]);
      expect(stored.redis!.some((h) => h.where.includes(`{t:${a.id}:u:${SHARED}}`))).toBe(true);
      expect(stored.postgres!.filter((h) => h.where.startsWith('postgres audit_log')).length).toBeGreaterThanOrEqual(8);
      expectNoLeaks(stored, bEverything());
      // B's webhook got nothing of A's turns.
      expect(deliveries.filter((d) => d.path.startsWith('/hooks/b'))).toHaveLength(1);
    });
  });

  describe("phase 2: A's credentials on B's ids", () => {
    let bBefore: { kb: string; conversations: string; audit: string; tenant: string; keys: string };
    let bAuditEventIds: Set<string>;

    const snapshotB = async (): Promise<typeof bBefore> => ({
      kb: await (await fetch(`${gateway.url}/v1/kb/export`, { headers: { authorization: `Bearer ${b.apiKey}` } })).text(),
      conversations: JSON.stringify([(await api.conversation(b.apiKey, B_USER)).body, (await api.conversation(b.apiKey, SHARED)).body]),
      audit: JSON.stringify(await auditRows(b.id)),
      tenant: JSON.stringify((await http(`${gateway.url}/v1/admin/tenants/${b.id}`, { token: ADMIN_TOKEN })).body),
      keys: JSON.stringify((await http(`${gateway.url}/v1/admin/tenants/${b.id}/api-keys`, { token: ADMIN_TOKEN })).body),
    });

    beforeAll(async () => {
      bBefore = await snapshotB();
      bAuditEventIds = new Set((await auditRows(b.id)).map((r) => String(r.event_id)));
      expect(bAuditEventIds.size).toBeGreaterThan(7);
    });

    it("KB: B's entry ids, cursor and tag reach A's own namespace only", async () => {
      const entry = `${gateway.url}/v1/kb/entries/${B_VAULT}`;
      expect(await asA(entry, { token: a.apiKey })).toMatchObject({ status: 404, body: { code: 'KB_ENTRY_NOT_FOUND' } });
      expect(await asA(entry, { method: 'DELETE', token: a.apiKey })).toMatchObject({ status: 404, body: { code: 'KB_ENTRY_NOT_FOUND' } });
      // PUT on B's id creates A's own entry; B's is untouched.
      expect(await asA(entry, { method: 'PUT', token: a.apiKey, body: { question: 'A vault question', answer: `A vault answer ${MARKER_A}` } })).toMatchObject({ status: 201 });
      expect(await asA(entry, { token: a.apiKey })).toMatchObject({ status: 200, body: { answer: `A vault answer ${MARKER_A}` } });
      expect((await asA(entry, { method: 'DELETE', token: a.apiKey })).status).toBe(204);
      expect(await http(entry, { token: b.apiKey })).toMatchObject({ status: 200, body: { answer: `Vault procedure ${MARKER_B}` } });

      // POST with B's id: A's namespace has no such entry, so it is created there, then removed.
      expect(await asA(`${gateway.url}/v1/kb/entries`, { token: a.apiKey, body: { id: B_ENTRY, question: 'q', answer: 'a' } })).toMatchObject({ status: 201, body: { id: B_ENTRY, answer: 'a' } });
      expect((await asA(`${gateway.url}/v1/kb/entries/${B_ENTRY}`, { method: 'DELETE', token: a.apiKey })).status).toBe(204);

      // B's cursor is only a position: A's list from it holds A's entries.
      const bPage = await http<{ nextCursor: string }>(`${gateway.url}/v1/kb/entries?limit=1`, { token: b.apiKey });
      const fromBCursor = await asA<{ items: { id: string }[] }>(`${gateway.url}/v1/kb/entries?limit=500&cursor=${bPage.body.nextCursor}`, { token: a.apiKey });
      expect(fromBCursor.status).toBe(200);
      expect(fromBCursor.body.items.every((e) => BANK_FAQ.some((f) => f.id === e.id))).toBe(true);
      expect(await asA(`${gateway.url}/v1/kb/entries?tag=${B_TAG}`, { token: a.apiKey })).toMatchObject({ status: 200, body: { items: [], nextCursor: null } });
      const all = await asA<{ items: { id: string }[] }>(`${gateway.url}/v1/kb/entries?limit=500`, { token: a.apiKey });
      expect(all.body.items.map((e) => e.id).sort()).toEqual(BANK_FAQ.map((e) => e.id).sort());
      for (const format of ['ndjson', 'csv']) {
        const exported = await fetchAsA(`${gateway.url}/v1/kb/export?format=${format}`, { headers: { authorization: `Bearer ${a.apiKey}` } });
        expect(exported.status).toBe(200);
        expect(exported.text).toContain(BANK_FAQ[0]!.question);
      }
      // A replaces its whole knowledge base: B's is untouched (compared at the end).
      expect(await asA(`${gateway.url}/v1/kb/import?mode=replace`, { token: a.apiKey, raw: toNdjson(BANK_FAQ), headers: { 'content-type': 'application/x-ndjson' } })).toMatchObject({
        status: 200,
        body: { imported: BANK_FAQ.length, deleted: 0 },
      });
      // A asks B's secret question: answered from A's knowledge base (or the fallback), never B's.
      const probe = await asA(`${gateway.url}/v1/chat`, { token: await api.token(a.apiKey, 'a-user-1'), body: { query: `How do I open the ${PROBE} vault account?` } });
      expect(probe.status).toBe(200);
      expect(JSON.stringify(probe.body)).not.toContain(MARKER_B);
      expect(probe.body.entryId).not.toBe(B_VAULT);
    });

    it("conversations, tokens, revocation and the OpenAI facade: B's user id names A's own user", async () => {
      expect(await asA(`${gateway.url}/v1/conversations/${B_USER}`, { token: a.apiKey })).toMatchObject({ status: 200, body: { userId: B_USER, turns: [] } });
      expect(await asA(`${gateway.url}/v1/conversations/${B_USER}`, { method: 'DELETE', token: a.apiKey })).toMatchObject({ status: 200, body: { userId: B_USER, erased: false } });
      expect(await asA(`${gateway.url}/v1/auth/revoke`, { token: a.apiKey, body: { userId: B_USER } })).toMatchObject({ status: 200, body: { userId: B_USER } });
      await sleep(1_000); // tokens carry whole seconds: A's new token must postdate A's own revocation

      // The OpenAI facade's `user` and a token for B's user id: A's namespace, starting at seq 1.
      const c = completion(a.apiKey, B_USER, 'What are your branch opening hours?');
      const completed = await asA<Record<string, any>>(c.url, c.init);
      expect(completed).toMatchObject({ status: 200, body: { fengda: { seq: 1 } } });
      const issued = await asA<{ token: string }>(`${gateway.url}/v1/auth/token`, { token: a.apiKey, body: { userId: B_USER } });
      expect(decodeJwt(issued.body.token)).toMatchObject({ tid: a.id, sub: B_USER });
      expect((await asA(`${gateway.url}/v1/chat`, { token: issued.body.token, body: { query: '那周末呢?' } })).body).toMatchObject({ seq: 2 });
      const streamed = await fetchAsA(`${gateway.url}/v1/chat/stream`, {
        method: 'POST',
        headers: { authorization: `Bearer ${issued.body.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '银行卡丢了怎么挂失?' }),
      });
      expect(streamed.text).toMatch(/"seq":3/);
      const ws = await WsTestClient.connect(gateway.url, { token: issued.body.token, lastSeq: 0 });
      expect(await ws.nextOf('resumed')).toMatchObject({ count: 3, lastSeq: 3 });
      await ws.close();
      aResponses.push({ where: "A's WebSocket resume for B's user id", text: JSON.stringify(ws.frames) });
      const history = await asA<{ turns: { query: string }[] }>(`${gateway.url}/v1/conversations/${B_USER}`, { token: a.apiKey });
      expect(history.body.turns.map((t) => t.query)).toEqual(['What are your branch opening hours?', '那周末呢?', '银行卡丢了怎么挂失?']);

      // A's end-user token is no tenant credential, and A's API key is no end-user token.
      expect(await asA(`${gateway.url}/v1/conversations/${B_USER}`, { token: issued.body.token })).toMatchObject({ status: 401 });
      expect(await asA(`${gateway.url}/v1/chat`, { token: a.apiKey, body: { query: 'hi' } })).toMatchObject({ status: 401, body: { code: 'INVALID_TOKEN' } });
      expect(await WsTestClient.refused(gateway.url, { token: a.apiKey })).toMatchObject({ status: 401, body: { code: 'INVALID_TOKEN' } });
      expect(leaks(aResponses, bContent())).toEqual([]);
    });

    it("audit: B's cursor, B's user id and every filter or export show A's rows only", async () => {
      const bPage = await http<{ nextCursor: string; items: { eventId: string }[] }>(`${gateway.url}/v1/audit?limit=1`, { token: b.apiKey });
      expect(bPage.body.nextCursor).toEqual(expect.any(String));
      const reads = [
        `${gateway.url}/v1/audit?limit=500`,
        `${gateway.url}/v1/audit?limit=500&cursor=${bPage.body.nextCursor}`,
        `${gateway.url}/v1/audit?userId=${B_USER}&limit=500`,
        `${gateway.url}/v1/audit?kind=kb&limit=500`,
        `${gateway.url}/v1/audit?kind=admin&limit=500`,
      ];
      for (const url of reads) {
        const page = await asA<{ items: { eventId: string }[] }>(url, { token: a.apiKey });
        expect(page.status).toBe(200);
        expect(page.body.items.filter((e) => bAuditEventIds.has(e.eventId))).toEqual([]);
      }
      for (const format of ['jsonl', 'csv']) {
        for (const query of [`format=${format}`, `format=${format}&cursor=${bPage.body.nextCursor}`, `format=${format}&userId=${B_USER}`]) {
          const exported = await fetchAsA(`${gateway.url}/v1/audit?${query}`, { headers: { authorization: `Bearer ${a.apiKey}` } });
          expect(exported.status).toBe(200);
          expect([...bAuditEventIds].filter((id) => exported.text.includes(id))).toEqual([]);
        }
      }
      expect(leaks(aResponses, bContent())).toEqual([]);
    });

    it("naming B (or any other tenant) in X-Tenant-Id with A's credential is refused on every tenant route and on the WebSocket", async () => {
      const aToken = await api.token(a.apiKey, 'a-user-1');
      const apiKeyCalls: [string, string, Parameters<typeof http>[1]][] = [
        ['POST', '/v1/auth/token', { body: { userId: 'a-user-1' } }],
        ['POST', '/v1/auth/revoke', { body: { userId: B_USER } }],
        ['GET', `/v1/conversations/${B_USER}`, {}],
        ['DELETE', `/v1/conversations/${B_USER}`, { method: 'DELETE' }],
        ['POST', '/v1/kb/entries', { body: { question: 'q', answer: 'a' } }],
        ['GET', '/v1/kb/entries', {}],
        ['GET', `/v1/kb/entries/${B_VAULT}`, {}],
        ['PUT', `/v1/kb/entries/${B_VAULT}`, { method: 'PUT', body: { question: 'q', answer: 'a' } }],
        ['DELETE', `/v1/kb/entries/${B_VAULT}`, { method: 'DELETE' }],
        ['POST', '/v1/kb/import', { raw: toNdjson([{ id: 'x', question: 'q', answer: 'a' }]), headers: { 'content-type': 'application/x-ndjson' } }],
        ['GET', '/v1/kb/export', {}],
        ['GET', '/v1/audit', {}],
        ['POST', '/v1/chat/completions', { body: { user: B_USER, messages: [{ role: 'user', content: 'hi' }] } }],
      ];
      for (const named of [b.id, 'no-such-tenant']) {
        for (const [method, path, init] of apiKeyCalls) {
          const res = await asA(`${gateway.url}${path}`, { ...init, token: a.apiKey, headers: { ...(init?.headers ?? {}), 'x-tenant-id': named } });
          expect([method, path, res.status, res.body.code]).toEqual([method, path, 403, 'FORBIDDEN']);
        }
        const chat = await asA(`${gateway.url}/v1/chat`, { token: aToken, body: { query: 'hi' }, headers: { 'x-tenant-id': named } });
        expect(chat).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
        const stream = await sse(aToken, { query: 'hi' }, { 'x-tenant-id': named });
        expect([stream.status, ((await stream.json()) as { code: string }).code]).toEqual([403, 'FORBIDDEN']);
        expect(await WsTestClient.refused(gateway.url, { token: aToken, headers: { 'x-tenant-id': named } })).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
      }
      // Nothing was written by any of them: A's knowledge base still holds the FAQ only.
      expect((await http<{ items: unknown[] }>(`${gateway.url}/v1/kb/entries?limit=500`, { token: a.apiKey })).body.items).toHaveLength(BANK_FAQ.length);
    });

    it('naming B in X-Tenant-Id on the WebSocket is refused with the token in the first frame too', async () => {
      // PROTOCOL.md: "An X-Tenant-Id header, if sent, must name the token's tenant." The
      // handshake checks it when the token is in the URL; an `auth` frame must not bypass it.
      const aToken = await api.token(a.apiKey, 'a-user-1');
      const ws = await WsTestClient.connect(gateway.url, { headers: { 'x-tenant-id': b.id } });
      ws.send({ type: 'auth', token: aToken });
      const reply = await ws.next((f) => f.type === 'ready' || f.type === 'error');
      await ws.close();
      expect(reply).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
    });

    it("A's API key and A's end-user token are refused on every admin route, B's tenant and key ids included", async () => {
      const aToken = await api.token(a.apiKey, 'a-user-1');
      const adminCalls: [string, Parameters<typeof http>[1]][] = [
        ['/v1/admin/tenants', { body: { id: `xt-evil-${RUN}`, name: 'evil' } }],
        [`/v1/admin/tenants/${b.id}`, {}],
        [`/v1/admin/tenants/${b.id}`, { method: 'PATCH', body: { status: 'disabled' } }],
        [`/v1/admin/tenants/${b.id}/api-keys`, {}],
        [`/v1/admin/tenants/${b.id}/api-keys`, { body: { label: 'stolen' } }],
        [`/v1/admin/tenants/${b.id}/api-keys/${b.keyIds[0]}`, { method: 'DELETE' }],
        [`/v1/admin/tenants/no-such-tenant`, {}],
        [`/v1/admin/tenants/${a.id}`, {}],
      ];
      for (const credential of [a.apiKey, aToken]) {
        for (const [path, init] of adminCalls) {
          const res = await asA(`${gateway.url}${path}`, { ...init, token: credential });
          expect([init?.method ?? (init?.body ? 'POST' : 'GET'), path, res.status, res.body]).toEqual([
            init?.method ?? (init?.body ? 'POST' : 'GET'),
            path,
            401,
            { statusCode: 401, code: 'INVALID_ADMIN_TOKEN', message: expect.any(String) },
          ]);
        }
        // The queue dashboard and its API hold every tenant's jobs: operator only.
        for (const [method, path] of [
          ['GET', '/admin/queues'],
          ['GET', '/admin/queues/api/queues'],
          ['GET', `/admin/queues/api/queues/audit/${b.id}.x`],
          ['PATCH', '/admin/queues/api/queues/answer/1/update-data'],
        ] as const) {
          const res = await asA(`${gateway.url}${path}`, { method, token: credential, ...(method === 'PATCH' ? { body: { data: {} } } : {}) });
          expect([method, path, res.status, (res.body as { code?: string }).code]).toEqual([method, path, 401, 'INVALID_ADMIN_TOKEN']);
        }
      }
      expect((await http(`${gateway.url}/v1/admin/tenants/xt-evil-${RUN}`, { token: ADMIN_TOKEN })).status).toBe(404);
    });

    it("B's data is unchanged by all of A's requests, and B's tokens still work", async () => {
      const after = await snapshotB();
      expect(after.kb).toBe(bBefore.kb);
      expect(after.conversations).toBe(bBefore.conversations);
      expect(after.audit).toBe(bBefore.audit);
      expect(after.keys).toBe(bBefore.keys);
      expect(JSON.parse(after.tenant)).toMatchObject({ status: 'active', name: `Bank B ${MARKER_B}` });
      // A's revocation of "its" b-user-7f3a did not touch B's user of that id.
      fake.reset({ kind: 'answer', text: `B's model says ${MARKER_B}` });
      expect(await api.chat(bTokens[B_USER]!, `${MARKER_B} still here?`)).toMatchObject({ status: 200, body: { seq: 7 } });
      expect((await api.token(b.apiKeys[1]!, B_USER)).length).toBeGreaterThan(0);
    });

    it("after A's probes: nothing of A's names B's tenant or content, and nothing of B's names A", async () => {
      await until(() => turnRows(a.id), (n) => n >= 12);
      await until(() => turnRows(b.id), (n) => n >= 8);
      const aStored = await storedFor(a, '/hooks/a', LLM_KEY_A, A_REQ);
      expectNoLeaks(aStored, bContent());
      const bStored = await storedFor(b, '/hooks/b', LLM_KEY_B);
      expect(bStored.redis!.length).toBeGreaterThan(0);
      expect(bStored.logs!.length).toBeGreaterThan(0);
      expectNoLeaks(bStored, aEverything());
    });
  });

  describe('coverage', () => {
    it('exercised every tenant-scoped route and every admin route, and no request ended in a 500', () => {
      const called = new Set(
        gatewayLogs.lines.filter((l) => l.msg === 'request').map((l) => `${String(l.method)} ${String(l.route)}`),
      );
      const missing = GATEWAY_ROUTES.filter((r) => (r.tenantScoped || r.credential === 'admin') && r.transport !== 'websocket')
        .filter((r) => (r.family ? ![...called].some((c) => c.startsWith(`${r.method} ${r.path}`)) : !called.has(`${r.method} ${r.path}`)))
        .map((r) => `${r.method} ${r.path}`);
      expect(missing).toEqual([]);
      expect(wsExercised).toBe(true);
      expect(gatewayLogs.lines.filter((l) => l.msg === 'unhandled error' || (typeof l.status === 'number' && l.status >= 500))).toEqual([]);
    });

    it('the sweep is not blind: B data planted in a Redis key, a job, an audit row and a log line of A is found', async () => {
      const key = `${prefix()}:{t:${a.id}:u:planted}:history`;
      await redis.lpush(key, JSON.stringify({ q: `planted ${MARKER_B}` }));
      jobs.push({ app: 'test', queue: 'answer', name: 'Planted', id: 'planted', data: { tenantId: a.id, query: `planted ${MARKER_B}` } });
      const row = await owner.query(`INSERT INTO audit_log (tenant_id, event_id, kind, actor, query) VALUES ($1, $2, 'turn', 'planted', $3) RETURNING id`, [a.id, `planted-${RUN}`, `planted ${MARKER_B}`]);
      const logged = gatewayLogs.lines.length;
      gatewayLogs.logger.warn({ tenantId: a.id }, `planted ${MARKER_B}`);
      try {
        const stored = await storedFor(a, '/hooks/a', LLM_KEY_A, A_REQ);
        const found = Object.values(stored).flatMap((haystacks) => leaks(haystacks, [MARKER_B]));
        expect(found.map((f) => f.split(' ')[0])).toEqual(expect.arrayContaining(['redis', 'test', 'postgres', 'gateway']));
      } finally {
        await redis.del(key);
        jobs.pop();
        await owner.query(`DELETE FROM audit_log WHERE id = $1`, [row.rows[0].id]);
        gatewayLogs.lines.splice(logged);
      }
    });

    it("reads an answer batch per tenant: B data in A's turn of a shared job is found, B's own turn beside it is not", async () => {
      const planted = [
        { app: 'test', queue: 'answer', name: 'PlantedBatch', id: 'in-a-turn', data: { turns: [{ tenantId: a.id, query: `planted ${MARKER_B}` }, { tenantId: b.id, query: 'b' }] } },
        { app: 'test', queue: 'answer', name: 'PlantedBatch', id: 'in-b-turn', data: { turns: [{ tenantId: a.id, query: 'a' }, { tenantId: b.id, query: `own ${MARKER_B}` }] } },
      ];
      jobs.push(...planted);
      try {
        const stored = await storedFor(a, '/hooks/a', LLM_KEY_A, A_REQ);
        const found = leaks(stored.jobs!, [MARKER_B]).map((f) => f.split(' contains ')[0]);
        expect(found).toEqual(['test job answer/PlantedBatch#in-a-turn']);
      } finally {
        jobs.splice(jobs.length - planted.length, planted.length);
      }
    });
  });
});

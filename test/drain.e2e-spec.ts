import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AnswerEngineService } from '#answer-engine';
import { DrainState, drainAndClose } from '#health';
import { KnowledgeService } from '#knowledge';
import { createLogger } from '#observability';
import { BANK_FAQ } from './support/bank-faq.js';
import { FengdaClient, uniqueTenantId } from './support/api-client.js';
import { startGateway, startWorker, type RunningApp } from './support/test-apps.js';

const logger = createLogger({ level: 'silent', app: 'drain-test' });
const USERS = 30;
const QUESTIONS = ['银行卡丢了怎么挂失?', 'What are your branch opening hours?', '跨行转账收费吗?', 'How do I reset my online banking password?'];

/**
 * A client as the design asks integrators to write one: on 503 or a refused/reset connection
 * it retries the same message (same clientMsgId) on another gateway instance.
 */
const sendWithRetry = async (urls: string[], token: string, query: string, clientMsgId: string): Promise<{ status: number; body: Record<string, unknown>; attempts: number }> => {
  for (let attempt = 0; attempt < 10; attempt++) {
    const url = urls[attempt % urls.length]!;
    try {
      const res = await fetch(`${url}/v1/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query, clientMsgId }),
      });
      const body = (await res.json()) as Record<string, unknown>;
      if (res.status !== 503) return { status: res.status, body, attempts: attempt + 1 };
    } catch {
      /* connection refused or reset while the instance drains: try the next one */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up on ${clientMsgId}`);
};

/** Runs `total` turns with `concurrency` in flight, calling `midway` once after `at` turns started. */
const stream = async (total: number, concurrency: number, at: number, send: (i: number) => Promise<void>, midway: () => Promise<unknown>): Promise<unknown> => {
  let next = 0;
  let midwayResult: Promise<unknown> = Promise.resolve();
  const lane = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      if (i === at) midwayResult = midway();
      await send(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return midwayResult;
};

const allClientMsgIds = async (api: FengdaClient, apiKey: string): Promise<unknown[]> => {
  const ids: unknown[] = [];
  for (let u = 0; u < USERS; u++) ids.push(...(await api.conversation(apiKey, `steady-${u}`)).body.turns.map((t) => t.clientMsgId));
  return ids;
};

describe('graceful drain under a steady stream of turns', () => {
  let spare: RunningApp[] = [];

  beforeAll(() => {
    spare = [];
  });

  afterAll(async () => {
    for (const app of spare) await app.close().catch(() => undefined);
  });

  it('a draining gateway finishes its in-flight turns; with the retry the client is told to make, none fails and none is doubled', async () => {
    const gw1 = await startGateway();
    const gw2 = await startGateway();
    const worker = await startWorker();
    spare.push(gw2, worker);
    const api = new FengdaClient(gw2.url);
    const tenant = await api.createTenant(uniqueTenantId('drain-gw'));
    await worker.app.get(KnowledgeService).upsertMany(tenant.id, BANK_FAQ);
    // Many users, so per-user rate limits never interfere with the drain under test.
    const tokens = await Promise.all(Array.from({ length: USERS }, (_, u) => api.token(tenant.apiKey, `steady-${u}`)));

    const total = 120;
    const results: { status: number }[] = [];
    let drainCode = -1;
    let drainMs = 0;
    await stream(
      total,
      8,
      30,
      async (i) => {
        const urls = i % 2 === 0 ? [gw1.url, gw2.url] : [gw2.url, gw1.url];
        results.push(await sendWithRetry(urls, tokens[i % USERS]!, QUESTIONS[i % QUESTIONS.length]!, `gw-${i}`));
      },
      async () => {
        const started = Date.now();
        const draining = drainAndClose(gw1.app, { graceMs: 10_000, logger });
        expect(gw1.app.get(DrainState).draining).toBe(true);
        drainCode = await draining;
        drainMs = Date.now() - started;
      },
    );

    expect(results).toHaveLength(total);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(drainCode).toBe(0);
    expect(drainMs).toBeLessThan(10_000);
    const ids = await allClientMsgIds(api, tenant.apiKey);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    // This test's worker must not take the next test's jobs.
    await Promise.all(spare.splice(0).map((a) => a.close()));
  });

  it('a draining worker finishes its active jobs; the other worker takes the rest; none lost, none doubled', async () => {
    const gateway = await startGateway();
    const w1 = await startWorker();
    const w2 = await startWorker();
    spare.push(gateway, w2);
    const api = new FengdaClient(gateway.url);
    const tenant = await api.createTenant(uniqueTenantId('drain-wk'));
    await w1.app.get(KnowledgeService).upsertMany(tenant.id, BANK_FAQ);
    const tokens = await Promise.all(Array.from({ length: USERS }, (_, u) => api.token(tenant.apiKey, `steady-${u}`)));

    // Count the answers each worker's engine computed for this tenant: a doubled job would be
    // computed twice, a lost one not at all (and surface as a fallback at the deadline).
    let computed = 0;
    for (const w of [w1, w2]) {
      const engine = w.app.get(AnswerEngineService);
      const answer = engine.answer.bind(engine);
      engine.answer = (request) => {
        if (request.tenantId === tenant.id) computed++;
        return answer(request);
      };
    }

    const total = 120;
    const sources: unknown[] = [];
    let drainCode = -1;
    await stream(
      total,
      8,
      30,
      async (i) => {
        const res = await api.chat(tokens[i % USERS]!, QUESTIONS[i % QUESTIONS.length]!, `wk-${i}`);
        expect(res.status).toBe(200);
        sources.push(res.body.source);
      },
      async () => {
        drainCode = await drainAndClose(w1.app, { graceMs: 10_000, logger });
      },
    );

    expect(drainCode).toBe(0);
    // A lost job would surface as a fallback at the deadline; a doubled one as an extra completion.
    expect(sources.filter((s) => s !== 'kb')).toEqual([]);
    expect(computed).toBe(total);
    expect(await allClientMsgIds(api, tenant.apiKey)).toHaveLength(total);
  });
});

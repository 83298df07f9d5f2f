import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { ReplyBusService } from '#dialogue';
import { KnowledgeService } from '#knowledge';
import { FengdaClient, http, uniqueTenantId } from './support/api-client.js';
import { BANK_FAQ } from './support/bank-faq.js';
import { startGateway, startWorker, type RunningApp } from './support/test-apps.js';

interface SseEvent {
  event: string;
  data: any;
}

/** Splits a text/event-stream body into events (comments dropped). */
const parseEvents = (text: string): SseEvent[] =>
  text
    .split('\n\n')
    .filter((block) => block.split('\n').some((line) => line.startsWith('data:')))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message';
      const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
      return { event, data: JSON.parse(data) };
    });

const waitFor = async (condition: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('SSE chat (POST /v1/chat/stream), end to end', () => {
  let gateway: RunningApp;
  let worker: RunningApp;
  let api: FengdaClient;
  let tenant: { id: string; apiKey: string };

  const stream = (token: string, body: unknown, signal?: AbortSignal): Promise<Response> =>
    fetch(`${gateway.url}/v1/chat/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });

  beforeAll(async () => {
    gateway = await startGateway({ env: { SSE_KEEPALIVE_MS: '100' } });
    worker = await startWorker();
    api = new FengdaClient(gateway.url);
    tenant = await api.createTenant(uniqueTenantId('sse-bank'), { answerDeadlineMs: 5_000 });
    await worker.app.get(KnowledgeService).upsertMany(tenant.id, BANK_FAQ);
  });

  afterAll(async () => {
    await gateway?.close();
    await worker?.close();
  });

  it('streams delta events, then the answer event', async () => {
    const token = await api.token(tenant.apiKey, 'sse-alice');
    const res = await stream(token, { query: 'How do I reset my online banking password?', clientMsgId: 's-1' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toContain('no-cache');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const events = parseEvents(await res.text());
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.at(-1)).toEqual({ event: 'answer', data: expect.objectContaining({ source: 'kb', entryId: 'reset-password', seq: 1 }) });
    const deltas = events.slice(0, -1);
    expect(deltas.every((e) => e.event === 'delta')).toBe(true);
    expect(deltas.map((e) => e.data.text).join('')).toBe(events.at(-1)!.data.answer);
    expect((await api.conversation(tenant.apiKey, 'sse-alice')).body.turns).toHaveLength(1);
  });

  it('answers plain HTTP errors while nothing was streamed', async () => {
    const token = await api.token(tenant.apiKey, 'sse-bob');
    const invalid = await http(`${gateway.url}/v1/chat/stream`, { token, body: { query: '' } });
    expect(invalid).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const anonymous = await http(`${gateway.url}/v1/chat/stream`, { body: { query: 'hi' } });
    expect(anonymous).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    const withApiKey = await http(`${gateway.url}/v1/chat/stream`, { token: tenant.apiKey, body: { query: 'hi' } });
    expect(withApiKey.status).toBe(401);
  });

  it('keeps a quiet stream alive, and a client that disconnects cancels the turn: nothing is stored', async () => {
    const cancels = new Redis(process.env.FENGDA_TEST_REDIS_URL!, { protocol: 2 });
    const cancelled: string[] = [];
    await cancels.subscribe(`${process.env.FENGDA_TEST_REDIS_PREFIX}:turn-cancel`);
    cancels.on('message', (_channel: string, message: string) => cancelled.push(message));
    // No worker: the turn would wait for the tenant's 5 s deadline.
    await worker.close();
    try {
      const token = await api.token(tenant.apiKey, 'sse-carol');
      const controller = new AbortController();
      const started = Date.now();
      const res = await stream(token, { query: '跨行转账收费吗?', clientMsgId: 'gone-1' }, controller.signal);
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toBe(': ping\n\n');
      expect(gateway.app.get(ReplyBusService).pending).toBe(1);
      controller.abort();

      await waitFor(() => gateway.app.get(ReplyBusService).pending === 0);
      expect(Date.now() - started).toBeLessThan(2_000);
      await waitFor(() => cancelled.length > 0);
      expect(JSON.parse(cancelled[0]!)).toEqual({ turnId: expect.any(String) });
      expect((await api.conversation(tenant.apiKey, 'sse-carol')).body.turns).toEqual([]);

      // The claim on the clientMsgId was released: sending it again runs the turn.
      worker = await startWorker();
      const again = await stream(token, { query: '跨行转账收费吗?', clientMsgId: 'gone-1' });
      expect(parseEvents(await again.text()).at(-1)).toMatchObject({ event: 'answer', data: { entryId: 'transfer-fee' } });
      expect((await api.conversation(tenant.apiKey, 'sse-carol')).body.turns).toEqual([expect.objectContaining({ clientMsgId: 'gone-1' })]);
    } finally {
      cancels.disconnect();
    }
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { TenantDb } from '#database';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { AnswerEngineService } from '#answer-engine';
import { ReplyBusService } from '#dialogue';
import { KnowledgeService } from '#knowledge';
import { HttpDispatchers, LlmService } from '#llm';
import { JobName, QueueName, type AnswerTurnPayload } from '#queue';
import { BANK_FAQ } from './support/bank-faq.js';
import { FengdaClient, http, uniqueTenantId, type HttpResult } from './support/api-client.js';
import { FakeLlmServer } from '../scripts/support/fake-llm-server.js';
import { LogCapture } from './support/log-capture.js';
import { ADMIN_TOKEN, startGateway, startWorker, type RunningApp } from './support/test-apps.js';

const API_KEY = `sk-fengda-test-${randomBytes(12).toString('hex')}`;
const HALF_OPEN_MS = 2_000;

describe('language-model provider (fake OpenAI-compatible server, both apps)', () => {
  const gatewayLogs = new LogCapture('gateway', 'debug');
  const workerLogs = new LogCapture('nlp-worker', 'debug');
  const responses: HttpResult[] = [];
  let fake: FakeLlmServer;
  let gateway: RunningApp;
  let worker: RunningApp;
  let api: FengdaClient;

  beforeAll(async () => {
    fake = await FakeLlmServer.start();
    const secrets = { SECRETS_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    gateway = await startGateway({ logger: gatewayLogs.logger, env: secrets });
    worker = await startWorker({
      logger: workerLogs.logger,
      env: { ...secrets, LLM_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS), LLM_MAX_ATTEMPTS: '10', LLM_RETRY_BASE_MS: '20', LLM_RETRY_MAX_MS: '80' },
    });
    api = new FengdaClient(gateway.url);
  });

  afterAll(async () => {
    await gateway?.close();
    await worker?.close();
    await fake?.close();
  });

  beforeEach(() => fake.reset());

  /**
   * A tenant with the test FAQ whose provider is the fake; every admin response is kept for the
   * leak check. Tests about something other than timing get a generous deadline, so a loaded
   * machine cannot turn their turns into deadline fallbacks.
   */
  const llmTenant = async (label: string, llm: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Promise<{ id: string; apiKey: string }> => {
    const id = uniqueTenantId(label);
    const created = await http(`${gateway.url}/v1/admin/tenants`, {
      token: ADMIN_TOKEN,
      body: { id, name: id, config: { answerDeadlineMs: 5_000, ...config, llm: { baseUrl: fake.baseUrl, model: 'fake-model', apiKey: API_KEY, ...llm } } },
    });
    expect(created.status).toBe(201);
    responses.push(created);
    await worker.app.get(KnowledgeService).upsertMany(id, BANK_FAQ);
    return { id, apiKey: (created.body as { apiKey: string }).apiKey };
  };

  const chat = async (tenant: { apiKey: string }, userId: string, query: string): Promise<HttpResult> => {
    const res = await api.chat(await api.token(tenant.apiKey, userId), query);
    responses.push(res);
    return res;
  };

  it('answers with source "llm", grounded in the KB hits and the previous turn', async () => {
    const tenant = await llmTenant('llm-rag', { systemPrompt: '你是蜂答银行的在线客服。' });
    fake.enqueue({ kind: 'answer', text: '可以分期,支持3/6/12期。' }, { kind: 'answer', text: '手续费每期0.75%起。', chunks: 4 });

    const first = await chat(tenant, 'rag-user', '信用卡账单可以分期吗?');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ source: 'llm', answer: '可以分期,支持3/6/12期。', seq: 1 });
    expect(first.body.confidence).toBeGreaterThan(0.3);

    const second = await chat(tenant, 'rag-user', '那手续费呢?');
    expect(second.body).toMatchObject({ source: 'llm', answer: '手续费每期0.75%起。', seq: 2 });

    expect(fake.calls).toBe(2);
    const request = fake.requests[1]!;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.body).toMatchObject({ model: 'fake-model', stream: true, temperature: 0.3, max_tokens: 512 });
    const messages = request.body.messages!;
    const system = messages[0]!;
    expect(system.role).toBe('system');
    expect(system.content.startsWith('你是蜂答银行的在线客服。')).toBe(true);
    // The KB answer the follow-up resolves to is in the grounding excerpts…
    expect(system.content).toContain(BANK_FAQ.find((e) => e.id === 'card-instalment')!.answer);
    // …and the previous turn is replayed before the new question.
    expect(messages.slice(1)).toEqual([
      { role: 'user', content: '信用卡账单可以分期吗?' },
      { role: 'assistant', content: '可以分期,支持3/6/12期。' },
      { role: 'user', content: '那手续费呢?' },
    ]);
  });

  it('streams deltas in order through the gateway’s reply channel, then the final answer', async () => {
    const tenant = await llmTenant('llm-stream');
    fake.enqueue({ kind: 'answer', text: '一二三四五六七八', chunks: 4, chunkDelayMs: 15 });
    const bus = gateway.app.get(ReplyBusService);
    const queue = gateway.app.get<Queue<AnswerTurnPayload>>(getQueueToken(QueueName.Answer));
    const turnId = randomUUID();
    const deltas: string[] = [];
    const waiter = bus.expect(turnId, (text) => deltas.push(text));
    try {
      await queue.add(JobName.AnswerTurn, {
        tenantId: tenant.id, userId: 'stream-user', turnId, query: '信用卡账单可以分期吗?', history: [],
        deadlineAt: Date.now() + 3_000, replyTo: bus.channel, requestId: 'stream-test', confidenceThreshold: null,
      });
      const reply = await waiter.reply;
      expect(deltas).toEqual(['一二', '三四', '五六', '七八']);
      expect(reply).toMatchObject({ turnId, source: 'llm', answer: '一二三四五六七八' });
    } finally {
      waiter.cancel();
    }
  });

  it('the engine hands every content delta to onDelta, in order (lib level)', async () => {
    const tenant = await llmTenant('llm-delta');
    fake.enqueue({ kind: 'answer', text: 'The branch opens at nine.', chunks: 5 });
    const deltas: string[] = [];
    const answer = await worker.app.get(AnswerEngineService).answer({
      tenantId: tenant.id, userId: 'u', query: 'What are your branch opening hours?', history: [], threshold: null,
      deadlineAt: Date.now() + 2_000, onDelta: (text) => deltas.push(text),
    });
    expect(answer).toMatchObject({ source: 'llm', answer: 'The branch opens at nine.' });
    expect(deltas.length).toBe(5);
    expect(deltas.join('')).toBe('The branch opens at nine.');
  });

  it('reuses one keep-alive pool per provider: sequential turns share a connection', async () => {
    const tenant = await llmTenant('llm-pool');
    for (let i = 0; i < 5; i++) expect((await chat(tenant, 'pool-user', `What are your branch opening hours? ${i}`)).body).toMatchObject({ source: 'llm' });
    expect(fake.calls).toBe(5);
    expect(fake.connections).toBeLessThanOrEqual(1);
    expect(worker.app.get(HttpDispatchers).size).toBe(1);
  });

  it('a malformed provider body falls back to the KB answer at once (not retried)', async () => {
    const tenant = await llmTenant('llm-bad');
    fake.mode = { kind: 'malformed', stream: true };
    const res = await chat(tenant, 'bad-user', '银行卡丢了怎么挂失?');
    expect(res.body).toMatchObject({ source: 'kb', entryId: 'lost-card' });
    fake.mode = { kind: 'malformed' };
    expect((await chat(tenant, 'bad-user', '银行卡丢了怎么挂失?')).body).toMatchObject({ source: 'kb' });
    expect(fake.calls).toBe(2);
  });

  it('a stalled provider: the turn still answers, from the KB, within deadline + 50 ms', async () => {
    const tenant = await llmTenant('llm-stall', { timeoutMs: 10_000 }, { answerDeadlineMs: 800 });
    fake.mode = { kind: 'stall' };
    const kb = await chat(tenant, 'stall-user', 'What are your branch opening hours?');
    expect(kb.body).toMatchObject({ source: 'kb', entryId: 'branch-hours' });
    expect(kb.ms).toBeLessThan(800 + 50);
    const nothing = await chat(tenant, 'stall-user-2', 'zzqx wobble frobnicate');
    expect(nothing.body).toMatchObject({ source: 'fallback' });
    expect(nothing.ms).toBeLessThan(800 + 50);
  });

  it('retries failing calls with backoff, but no attempt starts that could not finish before the deadline', async () => {
    const tenant = await llmTenant('llm-retry', { timeoutMs: 10_000 }, { answerDeadlineMs: 900 });
    fake.mode = { kind: 'status', status: 503, delayMs: 120 };
    const token = await api.token(tenant.apiKey, 'retry-user');
    const started = Date.now();
    const res = await api.chat(token, '跨行转账收费吗?');
    responses.push(res);
    expect(res.body).toMatchObject({ source: 'kb', entryId: 'transfer-fee' });
    expect(res.ms).toBeLessThan(900 + 50);
    expect(fake.calls).toBeGreaterThanOrEqual(2);
    // Engine budget: deadline - 100 ms margin; an attempt needs at least 100 ms of it.
    for (const request of fake.requests) expect(request.at - started).toBeLessThanOrEqual(900 - 100 - 100 + 25);
    const calls = fake.calls;
    await new Promise((r) => setTimeout(r, 400));
    expect(fake.calls).toBe(calls);
  });

  it('opens the breaker after 5 failures: later turns answer from the KB without calling; a success after half-open closes it', async () => {
    const tenant = await llmTenant('llm-breaker');
    const llm = worker.app.get(LlmService);
    const state = (): string | undefined => llm.breakerStates().find((s) => s.tenantId === tenant.id)?.state;
    fake.mode = { kind: 'status', status: 500 };
    const token = await api.token(tenant.apiKey, 'breaker-user');
    const ask = async (): Promise<HttpResult> => {
      const res = await api.chat(token, 'How do I reset my online banking password?');
      responses.push(res);
      return res;
    };

    const first = await ask();
    const openedAt = Date.now();
    expect(first.body).toMatchObject({ source: 'kb', entryId: 'reset-password' });
    expect(fake.calls).toBe(5);
    expect(state()).toBe('open');
    expect(llm.breakerStates()).toContainEqual({ tenantId: tenant.id, provider: fake.baseUrl, state: 'open' });

    // While open (well inside the half-open interval) turns answer from the KB, calling nobody.
    let asked = 0;
    while (asked < 3 && Date.now() - openedAt < HALF_OPEN_MS / 2) {
      const res = await ask();
      expect(res.body).toMatchObject({ source: 'kb', entryId: 'reset-password' });
      asked++;
    }
    expect(asked).toBeGreaterThan(0);
    expect(fake.calls).toBe(5);

    // Another tenant on the same provider has its own breaker.
    const other = await llmTenant('llm-breaker-other');
    fake.mode = { kind: 'answer', text: 'fine here' };
    expect((await chat(other, 'u', 'What are your branch opening hours?')).body).toMatchObject({ source: 'llm', answer: 'fine here' });

    await new Promise((r) => setTimeout(r, Math.max(0, openedAt + HALF_OPEN_MS + 100 - Date.now())));
    const recovered = await ask();
    expect(recovered.body).toMatchObject({ source: 'llm', answer: 'fine here' });
    expect(state()).toBe('closed');
  });

  it('documents the provider settings in the OpenAPI document (the key write-only)', async () => {
    const { body } = await http<any>(`${gateway.url}/docs-json`);
    const schemas = body.components.schemas;
    expect(schemas.TenantConfigDto.properties).toHaveProperty('llm');
    expect(schemas.TenantConfigDto.properties).toHaveProperty('handoffWebhookUrl');
    expect(schemas.LlmConfigDto.required).toEqual(expect.arrayContaining(['baseUrl', 'model']));
    expect(schemas.LlmConfigDto.properties.apiKey.writeOnly).toBe(true);
    expect(schemas.LlmConfigViewDto.properties).toHaveProperty('apiKeySet');
    expect(schemas.LlmConfigViewDto.properties).not.toHaveProperty('apiKey');
    expect(schemas.CreatedTenantResponseDto.properties).toHaveProperty('handoffWebhookSecret');
  });

  it('never returns or logs the provider API key, and stores it encrypted', async () => {
    const tenant = await llmTenant('llm-secret');
    const read = await http(`${gateway.url}/v1/admin/tenants/${tenant.id}`, { token: ADMIN_TOKEN });
    const patched = await http(`${gateway.url}/v1/admin/tenants/${tenant.id}`, {
      method: 'PATCH', token: ADMIN_TOKEN, body: { config: { llm: { baseUrl: fake.baseUrl, model: 'fake-model-2', temperature: 0.7 } } },
    });
    responses.push(read, patched);
    expect(read.body).toMatchObject({ config: { llm: { baseUrl: fake.baseUrl, model: 'fake-model', apiKeySet: true } } });
    // Changing other settings of the same provider keeps the stored key.
    expect(patched.body).toMatchObject({ config: { llm: { model: 'fake-model-2', temperature: 0.7, apiKeySet: true } } });
    expect((await chat(tenant, 'secret-user', '银行卡丢了怎么挂失?')).body).toMatchObject({ source: 'llm' });
    expect(fake.requestsWithKey(API_KEY).length).toBe(1);

    for (const res of responses) expect(JSON.stringify(res.body)).not.toContain(API_KEY);
    expect(responses.length).toBeGreaterThan(20);
    const needle = API_KEY.slice(-16);
    expect(gatewayLogs.lines.length).toBeGreaterThan(0);
    expect(workerLogs.lines.length).toBeGreaterThan(0);
    expect(gatewayLogs.text()).not.toContain(needle);
    expect(workerLogs.text()).not.toContain(needle);

    // Through the app role, as the tenant (row-level security hides the row otherwise).
    const rows = (await worker.app.get(TenantDb).run(tenant.id, (m) => m.query('SELECT config::text AS config FROM tenants WHERE id = $1', [tenant.id]))) as { config: string }[];
    expect(rows[0]!.config).not.toContain(needle);
    const stored = JSON.parse(rows[0]!.config) as { llm: { apiKeySealed: string } };
    expect(stored.llm.apiKeySealed).toMatch(/^v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/);
  });
});

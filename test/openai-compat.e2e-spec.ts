import { beforeAll, describe, expect, it } from '@jest/globals';
import OpenAI from 'openai';
import { KnowledgeService } from '#knowledge';
import { http, uniqueTenantId } from './support/api-client.js';
import { BANK_FAQ } from './support/bank-faq.js';
import { useApps } from './support/use-apps.js';

// These tests are about the channel, not the deadline: a first turn on a busy machine may be slow.
const ROOMY = { answerDeadlineMs: 10_000 };

describe('OpenAI-compatible facade (POST /v1/chat/completions) with the official openai client', () => {
  const apps = useApps();
  let tenant: { id: string; apiKey: string };
  let openai: OpenAI;

  beforeAll(async () => {
    tenant = await apps.api.createTenant(uniqueTenantId('oai-bank'), ROOMY);
    await apps.worker.app.get(KnowledgeService).upsertMany(tenant.id, BANK_FAQ);
    openai = new OpenAI({ baseURL: `${apps.gateway.url}/v1`, apiKey: tenant.apiKey, maxRetries: 0 });
  });

  it('answers a completion from the knowledge base, as a normal Fengda turn', async () => {
    const completion = await openai.chat.completions.create({
      model: 'fengda',
      user: 'oai-alice',
      messages: [
        { role: 'system', content: 'You are a helpful bank assistant.' },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi! How can I help?' },
        { role: 'user', content: '信用卡账单可以分期吗?' },
      ],
    });
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'fengda', id: expect.stringMatching(/^chatcmpl-/) });
    expect(completion.created).toBeGreaterThan(1_700_000_000);
    expect(completion.created).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', message: { role: 'assistant' } });
    expect(completion.choices[0]!.message.content).toContain('12期');
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
    expect((completion as unknown as { fengda: unknown }).fengda).toMatchObject({ source: 'kb', entryId: 'card-instalment', seq: 1 });

    // Only the last user message was the question, and the turn is in the user's history.
    const { body } = await apps.api.conversation(tenant.apiKey, 'oai-alice');
    expect(body.turns).toEqual([expect.objectContaining({ seq: 1, query: '信用卡账单可以分期吗?', source: 'kb' })]);

    // Fengda keeps the context itself: a follow-up resolves against the stored turn.
    const followUp = await openai.chat.completions.create({ model: 'any-name', user: 'oai-alice', messages: [{ role: 'user', content: [{ type: 'text', text: '那手续费呢?' }] }] });
    expect(followUp.model).toBe('any-name');
    expect((followUp as unknown as { fengda: unknown }).fengda).toMatchObject({ entryId: 'card-instalment', seq: 2 });
  });

  it('streams chat.completion.chunk events ending with [DONE]', async () => {
    const stream = await openai.chat.completions.create({
      model: 'fengda',
      user: 'oai-bob',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'How do I reset my online banking password?' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const chunk of chunks) expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: 'fengda', id: chunks[0]!.id });
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toContain('Forgot password');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect((await apps.api.conversation(tenant.apiKey, 'oai-bob')).body.turns).toHaveLength(1);
  });

  it('sends data: [DONE] on the wire', async () => {
    const res = await fetch(`${apps.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fengda', user: 'oai-carol', stream: true, messages: [{ role: 'user', content: '银行卡丢了怎么挂失?' }] }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await res.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text).not.toContain('event:');
  });

  it('reports errors in a shape OpenAI clients understand, with Fengda’s code', async () => {
    const noUser = openai.chat.completions.create({ model: 'fengda', messages: [{ role: 'user', content: 'hi' }] });
    await expect(noUser).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(noUser).rejects.toMatchObject({ status: 400, code: 'VALIDATION_FAILED', type: 'invalid_request_error', message: expect.stringContaining('user') });

    const noQuestion = openai.chat.completions.create({ model: 'fengda', user: 'oai-dave', messages: [{ role: 'system', content: 'be nice' }] });
    await expect(noQuestion).rejects.toMatchObject({ status: 400, code: 'VALIDATION_FAILED', message: expect.stringContaining('user message') });

    const badKey = new OpenAI({ baseURL: `${apps.gateway.url}/v1`, apiKey: 'fdk_nope_000000000000', maxRetries: 0 });
    await expect(badKey.chat.completions.create({ model: 'fengda', user: 'x', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    const raw = await http(`${apps.gateway.url}/v1/chat/completions`, { token: tenant.apiKey, body: { user: 'x', messages: [{ role: 'wizard', content: 'hi' }] } });
    expect(raw).toMatchObject({ status: 400, body: { statusCode: 400, code: 'VALIDATION_FAILED', error: { code: 'VALIDATION_FAILED', type: 'invalid_request_error' } } });
    const tools = await http(`${apps.gateway.url}/v1/chat/completions`, { token: tenant.apiKey, body: { user: 'x', messages: [{ role: 'user', content: 'hi' }], tools: [] } });
    expect(tools).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const endUserToken = await apps.api.token(tenant.apiKey, 'oai-erin');
    expect((await http(`${apps.gateway.url}/v1/chat/completions`, { token: endUserToken, body: { user: 'x', messages: [{ role: 'user', content: 'hi' }] } })).status).toBe(401);
  });

  it('accepts the sampling parameters generic clients send', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o-mini', user: 'oai-frank', temperature: 0.2, top_p: 1, max_tokens: 200, n: 1, presence_penalty: 0, frequency_penalty: 0,
      messages: [{ role: 'user', content: 'What are your branch opening hours?' }],
    });
    expect(completion.choices[0]!.message.content).toContain('9:00');
  });

  it('answers an Idempotency-Key once', async () => {
    const ask = (): Promise<OpenAI.ChatCompletion> =>
      openai.chat.completions.create({ model: 'fengda', user: 'oai-gina', messages: [{ role: 'user', content: '跨行转账收费吗?' }] }, { headers: { 'Idempotency-Key': 'order-77' } });
    const [a, b] = [await ask(), await ask()];
    expect(b.choices[0]!.message.content).toBe(a.choices[0]!.message.content);
    expect((await apps.api.conversation(tenant.apiKey, 'oai-gina')).body.turns).toHaveLength(1);
  });

  it("applies the tenant's per-user admission, as a 429 OpenAI clients recognise", async () => {
    const strict = await apps.api.createTenant(uniqueTenantId('oai-strict'), { ...ROOMY, rateLimit: { userBurst: 1, userPerMin: 1 } });
    const client = new OpenAI({ baseURL: `${apps.gateway.url}/v1`, apiKey: strict.apiKey, maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'fengda', user: 'oai-hank', messages: [{ role: 'user', content: 'hi' }] });
    await ask();
    const refused = ask();
    await expect(refused).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await expect(refused).rejects.toMatchObject({ status: 429, code: 'RATE_LIMITED', type: 'rate_limit_error' });
    // Another end user of the same tenant has a budget of their own.
    await expect(client.chat.completions.create({ model: 'fengda', user: 'oai-ivy', messages: [{ role: 'user', content: 'hi' }] })).resolves.toMatchObject({ object: 'chat.completion' });
  });

  it('is documented in Swagger', async () => {
    const { body } = await http<any>(`${apps.gateway.url}/docs-json`);
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/v1/chat/completions', '/v1/chat/stream']));
    expect(Object.keys(body.paths['/v1/chat/completions'].post.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
    expect(Object.keys(body.paths)).not.toEqual(expect.arrayContaining(['/']));
    expect(Object.keys(body.paths).some((p) => p.startsWith('/demo') || p.startsWith('/web'))).toBe(false);
  });
});

import { describe, expect, it } from '@jest/globals';
import { SystemClock } from '#common';
import { AppConfig } from '#config';
import { createLogger } from '#observability';
import type { ChatCompletionClient, CompletionOptions, LlmProvider } from './chat-completion.client.js';
import { LlmCallError } from './llm-call.error.js';
import { LlmService, type LlmRequest } from './llm.service.js';

type Call = (options: CompletionOptions) => Promise<string>;

/** An LlmService whose client runs the scripted calls in order (then repeats the last). */
const serviceWith = (calls: Call[], env: Record<string, string> = {}): { service: LlmService; count: () => number } => {
  let n = 0;
  const client = {
    complete: (_p: LlmProvider, _m: unknown, options: CompletionOptions) => calls[Math.min(n++, calls.length - 1)]!(options),
  } as unknown as ChatCompletionClient;
  const config = AppConfig.fromEnv({ LLM_RETRY_BASE_MS: '5', LLM_RETRY_MAX_MS: '10', LLM_MIN_ATTEMPT_MS: '20', LLM_DEADLINE_MARGIN_MS: '50', ...env });
  return { service: new LlmService(client, config, new SystemClock(), createLogger({ level: 'silent', app: 'test' })), count: () => n };
};

const provider: LlmProvider = { baseUrl: 'http://llm.test/v1', model: 'm', temperature: 0.3, maxTokens: 10, systemPrompt: null, timeoutMs: 1_000, apiKey: null };
const request = (overrides: Partial<LlmRequest> = {}): LlmRequest => ({ tenantId: 't', provider, messages: [], deadlineAt: Date.now() + 1_000, ...overrides });
const fail503: Call = () => Promise.reject(new LlmCallError('http', 'x', 503));
const answer: Call = async () => 'ok';
const hang: Call = ({ signal }) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new LlmCallError('aborted', 'x'))));

describe('LlmService.generate', () => {
  it('retries a 503 and returns the text', async () => {
    const { service, count } = serviceWith([fail503, answer]);
    await expect(service.generate(request())).resolves.toEqual({ ok: true, text: 'ok', attempts: 2 });
    expect(count()).toBe(2);
  });

  it('does not retry a 4xx', async () => {
    const { service, count } = serviceWith([() => Promise.reject(new LlmCallError('http', 'x', 401)), answer]);
    await expect(service.generate(request())).resolves.toMatchObject({ ok: false, reason: 'failed', attempts: 1 });
    expect(count()).toBe(1);
  });

  it('does not retry once text has been streamed (the client would see it twice)', async () => {
    const streamedThenFailed: Call = async ({ onDelta }) => {
      onDelta?.('partial');
      throw new LlmCallError('network', 'reset');
    };
    const { service, count } = serviceWith([streamedThenFailed, answer]);
    await expect(service.generate(request({ onDelta: () => undefined }))).resolves.toMatchObject({ ok: false, reason: 'failed', streamed: true });
    expect(count()).toBe(1);
  });

  it('cuts a hanging call at the deadline minus the margin', async () => {
    const { service } = serviceWith([hang]);
    const started = Date.now();
    await expect(service.generate(request({ deadlineAt: started + 300 }))).resolves.toMatchObject({ ok: false, reason: 'failed' });
    expect(Date.now() - started).toBeLessThan(300 - 50 + 30);
  });

  it('makes no call when the deadline leaves no time', async () => {
    const { service, count } = serviceWith([answer]);
    await expect(service.generate(request({ deadlineAt: Date.now() + 60 }))).resolves.toMatchObject({ ok: false, reason: 'no-time', attempts: 0 });
    expect(count()).toBe(0);
  });

  it('refuses calls beyond the tenant’s bulkhead at once', async () => {
    let release = (): void => undefined;
    const gate = new Promise<string>((resolve) => (release = () => resolve('held')));
    const { service } = serviceWith([() => gate, answer], { LLM_BULKHEAD_PER_TENANT: '1' });
    const held = service.generate(request());
    await expect(service.generate(request())).resolves.toMatchObject({ ok: false, reason: 'bulkhead-full', attempts: 0 });
    await expect(service.generate(request({ tenantId: 'other' }))).resolves.toMatchObject({ ok: true });
    release();
    await expect(held).resolves.toMatchObject({ ok: true, text: 'held' });
  });

  it('opens the breaker after N failures; a caller that gave up does not count', async () => {
    const { service } = serviceWith([hang], { LLM_BREAKER_FAILURES: '2', LLM_MAX_ATTEMPTS: '1' });
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 10);
      await expect(service.generate(request({ signal: controller.signal }))).resolves.toMatchObject({ ok: false, reason: 'aborted' });
    }
    expect(service.breakerStates()).toEqual([{ tenantId: 't', provider: provider.baseUrl, state: 'closed' }]);

    const failing = serviceWith([fail503], { LLM_BREAKER_FAILURES: '2', LLM_MAX_ATTEMPTS: '1' });
    await failing.service.generate(request());
    await failing.service.generate(request());
    await expect(failing.service.generate(request())).resolves.toMatchObject({ ok: false, reason: 'breaker-open', attempts: 0 });
    expect(failing.count()).toBe(2);
    expect(failing.service.breakerStates()[0]!.state).toBe('open');
  });
});

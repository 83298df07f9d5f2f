import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AnswerEngineService } from '#answer-engine';
import { AdmissionService } from '#dialogue';
import { KnowledgeService } from '#knowledge';
import { BANK_FAQ } from './support/bank-faq.js';
import { FengdaClient, http, uniqueTenantId } from './support/api-client.js';
import { startGateway, startWorker, type RunningApp } from './support/test-apps.js';

describe('admission control on queue lag', () => {
  let gateway: RunningApp;
  let worker: RunningApp | undefined;
  let api: FengdaClient;

  beforeAll(async () => {
    gateway = await startGateway({ env: { ADMISSION_MAX_LAG_MS: '300' } });
    api = new FengdaClient(gateway.url);
  });

  afterAll(async () => {
    await gateway?.close();
    await worker?.close();
  });

  it('with the worker stopped, lag crosses the threshold and new turns are shed at once; when the worker returns the queue drains', async () => {
    const rejecting = await api.createTenant(uniqueTenantId('shed-503'), { answerDeadlineMs: 200 });
    const falling = await api.createTenant(uniqueTenantId('shed-fb'), { answerDeadlineMs: 1500, overloadMode: 'fallback', fallbackText: '排队中,请稍后' });
    const tokens = await Promise.all(Array.from({ length: 5 }, (_, i) => api.token(rejecting.apiKey, `u${i}`)));

    // No worker: these turns (sent together, before any job has waited) time out into the
    // fallback and leave their jobs waiting. One after the other, the third would already be shed:
    // the first job would have waited 2 × 200 ms.
    const first = await Promise.all(tokens.map((token) => api.chat(token, 'What are your branch opening hours?')));
    for (const turn of first) expect(turn.body).toMatchObject({ source: 'fallback' });
    await new Promise((r) => setTimeout(r, 350));
    const admission = gateway.app.get(AdmissionService);
    expect(await admission.sample()).toMatchObject({ overloaded: true });

    const refused = await api.chat(tokens[0]!, 'What are your branch opening hours?');
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'OVERLOADED' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.ms).toBeLessThan(150);

    const fast = await api.chat(await api.token(falling.apiKey, 'patient'), 'What are your branch opening hours?');
    expect(fast.body).toMatchObject({ source: 'fallback', answer: '排队中,请稍后' });
    expect(fast.ms).toBeLessThan(150);

    worker = await startWorker();
    await worker.app.get(KnowledgeService).upsertMany(rejecting.id, BANK_FAQ);
    // The fresh worker builds the tenant's index on its first question (a database read and the build, cold code on a
    // just-started process): done here, so the 200 ms deadline below measures the recovered queue, not that build.
    await worker.app.get(AnswerEngineService).answer({ tenantId: rejecting.id, userId: 'warm-up', query: 'What are your branch opening hours?', history: [], threshold: null });
    for (let i = 0; i < 50 && (await admission.sample()).overloaded; i++) await new Promise((r) => setTimeout(r, 100));
    expect(admission.pressure).toMatchObject({ overloaded: false, depth: 0 });
    const back = await api.chat(tokens[1]!, 'What are your branch opening hours?');
    expect(back.body).toMatchObject({ source: 'kb' });
    const metrics = await http(`${gateway.url}/metrics`);
    expect(String(metrics.body)).toMatch(/fengda_turns_shed_total\{mode="reject"\} 1/);
  });
});

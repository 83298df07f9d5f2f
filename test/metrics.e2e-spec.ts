import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { KnowledgeService } from '#knowledge';
import { BANK_FAQ } from './support/bank-faq.js';
import { FengdaClient, uniqueTenantId } from './support/api-client.js';
import { ADMIN_TOKEN, startGateway, startWorker, type RunningApp } from './support/test-apps.js';

describe('Prometheus metrics on both apps', () => {
  let gateway: RunningApp;
  let worker: RunningApp;

  beforeAll(async () => {
    gateway = await startGateway();
    worker = await startWorker();
    const api = new FengdaClient(gateway.url);
    const tenant = await api.createTenant(uniqueTenantId('metrics'));
    await worker.app.get(KnowledgeService).upsertMany(tenant.id, BANK_FAQ);
    const token = await api.token(tenant.apiKey, 'm-user');
    await api.chat(token, '银行卡丢了怎么挂失?');
    await api.chat(token, 'completely unrelated gibberish question');
  });

  afterAll(async () => {
    await gateway?.close();
    await worker?.close();
  });

  const scrape = async (url: string): Promise<string> => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };

  it('gateway: HTTP latency by route and status, turn latency by source and by stage, queues, event loop, memory', async () => {
    const text = await scrape(gateway.url);
    expect(text).toMatch(/fengda_http_request_duration_seconds_count\{method="POST",route="\/v1\/chat",status="200"\} [1-9]/);
    expect(text).toMatch(/fengda_turn_duration_seconds_count\{source="kb"\} [1-9]/);
    expect(text).toMatch(/fengda_turn_duration_seconds_count\{source="fallback"\} [1-9]/);
    expect(text).toMatch(/fengda_turns_total\{tenant="metrics-[0-9a-f]+",source="kb"\} 1/);
    // Both turns timed at each stage of the gateway's pipeline.
    for (const stage of ['admission', 'enqueue', 'answer', 'write_back']) {
      expect(text).toMatch(new RegExp(`fengda_turn_stage_duration_seconds_count\\{stage="${stage}"\\} 2\\n`));
    }
    expect(text).toMatch(/fengda_queue_jobs\{queue="answer",state="waiting"\} \d+/);
    expect(text).toMatch(/fengda_queue_oldest_waiting_seconds\{queue="answer"\} [\d.]+/);
    expect(text).toContain('fengda_nodejs_eventloop_lag_seconds');
    expect(text).toContain('fengda_process_resident_memory_bytes');
    // Routes are templates: a user id never becomes a label.
    expect(text).not.toContain('m-user');
  });

  it('worker: its own registry with queue and process series', async () => {
    const text = await scrape(worker.url);
    expect(text).toMatch(/fengda_queue_jobs\{queue="audit",state="waiting"\} \d+/);
    expect(text).toContain('fengda_process_resident_memory_bytes');
  });

  it('exports every metric the shipped alert rules (docker/k8s/prometheusrule.yaml) name', async () => {
    const rule = parse(readFileSync(new URL('../docker/k8s/prometheusrule.yaml', import.meta.url), 'utf8')) as { spec: { groups: { rules: { expr: string }[] }[] } };
    const named = new Set(rule.spec.groups.flatMap((g) => g.rules.flatMap((r) => [...r.expr.matchAll(/\b(fengda_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')))));
    expect(named.size).toBeGreaterThan(5);
    const exported = `${await scrape(gateway.url)}\n${await scrape(worker.url)}`;
    expect([...named].filter((name) => !exported.includes(`# TYPE ${name} `))).toEqual([]);
  });
});

describe('queue dashboard (Bull Board)', () => {
  let gateway: RunningApp;

  beforeAll(async () => {
    gateway = await startGateway();
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('is served behind the admin token only', async () => {
    const anonymous = await fetch(`${gateway.url}/admin/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    const wrong = await fetch(`${gateway.url}/admin/queues`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);

    const basic = Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64');
    const page = await fetch(`${gateway.url}/admin/queues`, { headers: { authorization: `Basic ${basic}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Fengda queues');
    const api = await fetch(`${gateway.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(api.status).toBe(200);
    const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['answer', 'audit']));
  });
});

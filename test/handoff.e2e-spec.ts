import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { verifyHandoffWebhook } from '#handoff';
import { KnowledgeService } from '#knowledge';
import { BANK_FAQ } from './support/bank-faq.js';
import { http, uniqueTenantId, type HttpResult } from './support/api-client.js';
import { ADMIN_TOKEN } from './support/test-apps.js';
import { useApps } from './support/use-apps.js';

const HANDOFF_TEXT = '正在为您转接人工客服,请稍候。';

interface Delivery {
  at: number;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, any>;
}

/** A tenant's agent desk: records deliveries, answers with the next scripted status (then 200). */
class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  readonly statuses: number[] = [];
  delayMs = 0;
  private readonly server: Server;
  url = '';

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        this.deliveries.push({ at: Date.now(), headers: req.headers, raw, body: JSON.parse(raw) as Record<string, any> });
        const status = this.statuses.shift() ?? 200;
        setTimeout(() => res.writeHead(status).end(), this.delayMs);
      });
    });
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    // A query string on purpose: the worker must log the origin only, never the URL.
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hooks/fengda?token=abc`;
    return receiver;
  }

  async waitFor(count: number, timeoutMs = 5_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.deliveries.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(this.deliveries.length).toBeGreaterThanOrEqual(count);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('handoff to a human', () => {
  const apps = useApps({ worker: { env: { HANDOFF_WEBHOOK_BACKOFF_MS: '100', HANDOFF_WEBHOOK_ATTEMPTS: '5' } } });
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });

  afterAll(async () => {
    await receiver?.close();
  });

  const tenantWith = async (label: string, config: Record<string, unknown> = {}): Promise<{ id: string; apiKey: string; created: HttpResult<Record<string, any>> }> => {
    const id = uniqueTenantId(label);
    const created = await http<Record<string, any>>(`${apps.gateway.url}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id, name: id, config } });
    expect(created.status).toBe(201);
    await apps.worker.app.get(KnowledgeService).upsertMany(id, BANK_FAQ);
    return { id, apiKey: created.body.apiKey as string, created };
  };

  it.each(['转人工', '我要人工客服!', 'talk to a human', 'Can I speak to an agent?'])('"%s" hands off with the handoff text', async (query) => {
    const tenant = await tenantWith('ho-intent');
    const res = await apps.api.chat(await apps.api.token(tenant.apiKey, 'u1'), query);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source: 'handoff', answer: HANDOFF_TEXT, confidence: 1 });
  });

  it('"人工智能" is a question, not a handoff; the tenant’s own handoff text is used', async () => {
    const tenant = await tenantWith('ho-text', { handoffText: 'Connecting you to an agent…' });
    const token = await apps.api.token(tenant.apiKey, 'u1');
    expect((await apps.api.chat(token, '你们的客服是人工智能吗?')).body).not.toMatchObject({ source: 'handoff' });
    expect((await apps.api.chat(token, 'talk to a human')).body).toMatchObject({ source: 'handoff', answer: 'Connecting you to an agent…' });
  });

  it('three fallbacks in a row hand off; a good answer resets the count; 0 disables it', async () => {
    const tenant = await tenantWith('ho-streak');
    const token = await apps.api.token(tenant.apiKey, 'lost-user');
    const sources = [];
    for (const query of ['qqq zzz', 'www xxx', '跨行转账收费吗?', 'yyy vvv', 'uuu ttt', 'ppp ooo', 'nnn mmm']) sources.push((await apps.api.chat(token, query)).body.source);
    expect(sources).toEqual(['fallback', 'fallback', 'kb', 'fallback', 'fallback', 'handoff', 'fallback']);
    const handoff = await apps.api.conversation(tenant.apiKey, 'lost-user');
    expect(handoff.body.turns[5]).toMatchObject({ source: 'handoff', answer: HANDOFF_TEXT });

    const off = await tenantWith('ho-off', { handoffAfterFallbacks: 0 });
    const offToken = await apps.api.token(off.apiKey, 'u');
    for (let i = 0; i < 4; i++) expect((await apps.api.chat(offToken, `qqq zzz ${i}`)).body).toMatchObject({ source: 'fallback' });
  });

  it('POSTs a signed webhook with the transcript; the secret is shown once and never again', async () => {
    const tenant = await tenantWith('ho-hook', { handoffWebhookUrl: receiver.url });
    const secret = tenant.created.body.handoffWebhookSecret as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(tenant.created.body.tenant.config).toMatchObject({ handoffWebhookUrl: receiver.url, handoffWebhookSecretSet: true });
    const read = await http(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}`, { token: ADMIN_TOKEN });
    expect(JSON.stringify(read.body)).not.toContain(secret);
    expect(read.body).not.toHaveProperty('handoffWebhookSecret');
    const patched = await http(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { config: { handoffText: '马上为您转接' } } });
    expect(JSON.stringify(patched.body)).not.toContain(secret);

    receiver.deliveries.length = 0;
    const token = await apps.api.token(tenant.apiKey, 'hook-user');
    await apps.api.chat(token, '信用卡账单可以分期吗?');
    const res = await apps.api.chat(token, '转人工');
    expect(res.body).toMatchObject({ source: 'handoff', answer: '马上为您转接' });
    await receiver.waitFor(1);

    const delivery = receiver.deliveries[0]!;
    expect(delivery.headers['content-type']).toBe('application/json');
    const timestamp = delivery.headers['x-fengda-timestamp'] as string;
    const signature = delivery.headers['x-fengda-signature'] as string;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(10);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyHandoffWebhook(secret, { timestamp, signature }, delivery.raw)).toBe(true);
    expect(verifyHandoffWebhook('whsec_wrong', { timestamp, signature }, delivery.raw)).toBe(false);
    expect(delivery.body).toMatchObject({ tenantId: tenant.id, userId: 'hook-user', reason: 'customer_request', query: '转人工' });
    expect(delivery.body.id).toEqual(expect.any(String));
    expect(new Date(delivery.body.at as string).getTime()).toBeGreaterThan(Date.now() - 10_000);
    expect(delivery.body.transcript).toEqual([expect.objectContaining({ seq: 1, query: '信用卡账单可以分期吗?', source: 'kb' })]);
  });

  it('a failing webhook (500, 500, then 200) is retried with backoff, and the reply was not delayed', async () => {
    const tenant = await tenantWith('ho-retry', { handoffWebhookUrl: receiver.url });
    receiver.deliveries.length = 0;
    receiver.statuses.push(500, 500);
    receiver.delayMs = 1_000;
    try {
      const res = await apps.api.chat(await apps.api.token(tenant.apiKey, 'retry-user'), 'speak to an agent');
      expect(res.body).toMatchObject({ source: 'handoff' });
      expect(res.ms).toBeLessThan(1_000);
      await receiver.waitFor(3, 15_000);
    } finally {
      receiver.delayMs = 0;
    }
    const ids = new Set(receiver.deliveries.map((d) => d.body.id));
    expect(ids.size).toBe(1);
    const gaps = receiver.deliveries.slice(1).map((d, i) => d.at - receiver.deliveries[i]!.at);
    expect(gaps[1]!).toBeGreaterThan(gaps[0]! - 50); // exponential: the second wait is not shorter
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.deliveries).toHaveLength(3);
  });

  it('a 4xx ends the retries at once; removing the URL removes the secret, setting it again issues a new one', async () => {
    const tenant = await tenantWith('ho-4xx', { handoffWebhookUrl: receiver.url });
    receiver.deliveries.length = 0;
    receiver.statuses.push(410);
    await apps.api.chat(await apps.api.token(tenant.apiKey, 'gone-user'), '转人工');
    await receiver.waitFor(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.deliveries).toHaveLength(1);

    const removed = await http<Record<string, any>>(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { config: { handoffWebhookUrl: null } } });
    expect(removed.body.config).toMatchObject({ handoffWebhookUrl: null, handoffWebhookSecretSet: false });
    const again = await http<Record<string, any>>(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { config: { handoffWebhookUrl: receiver.url } } });
    expect(again.body.handoffWebhookSecret).toMatch(/^whsec_/);
    expect(again.body.handoffWebhookSecret).not.toBe(tenant.created.body.handoffWebhookSecret);
    const bad = await http(`${apps.gateway.url}/v1/admin/tenants/${tenant.id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { config: { handoffWebhookSecret: 'mine' } } });
    expect(bad).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });
});

import { beforeAll, describe, expect, it } from '@jest/globals';
import { KnowledgeService } from '#knowledge';
import { BANK_FAQ } from './support/bank-faq.js';
import { http, uniqueTenantId } from './support/api-client.js';
import { LogCapture } from './support/log-capture.js';
import { useApps } from './support/use-apps.js';

describe('W3C trace context across gateway, queue and worker', () => {
  const gatewayLogs = new LogCapture('gateway');
  const workerLogs = new LogCapture('nlp-worker', 'debug');
  const apps = useApps({ gateway: { logger: gatewayLogs.logger }, worker: { logger: workerLogs.logger } });
  let token: string;

  beforeAll(async () => {
    const tenant = await apps.api.createTenant(uniqueTenantId('trace'));
    await apps.worker.app.get(KnowledgeService).upsertMany(tenant.id, BANK_FAQ);
    token = await apps.api.token(tenant.apiKey, 'traced-user');
  });

  it("continues the caller's trace: the same trace id in the response and in both apps' log lines for the turn", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await http(`${apps.gateway.url}/v1/chat`, {
      token,
      body: { query: '银行卡丢了怎么挂失?' },
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    await new Promise((r) => setTimeout(r, 50));
    // One line for the turn: the access-log line carries the turn's summary.
    const lines = gatewayLogs.lines.filter((l) => l.traceId === traceId);
    expect(lines.filter((l) => l.msg === 'request')).toEqual([expect.objectContaining({ route: '/v1/chat', status: 200, seq: 1, source: 'kb', latencyMs: expect.any(Number) })]);
    expect(lines.map((l) => l.msg)).not.toContain('chat turn');
    expect(workerLogs.lines.filter((l) => l.traceId === traceId).map((l) => l.msg)).toContain('answer job done');
  });

  it('starts a trace when the caller sent none (or an invalid one)', async () => {
    const res = await http(`${apps.gateway.url}/v1/chat`, { token, body: { query: 'What are your branch opening hours?' }, headers: { traceparent: 'garbage' } });
    const header = res.headers.get('traceparent') ?? '';
    expect(header).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const traceId = header.split('-')[1];
    await new Promise((r) => setTimeout(r, 50));
    expect(workerLogs.lines.some((l) => l.traceId === traceId)).toBe(true);
  });
});

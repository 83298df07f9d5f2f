import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { AuditRepository } from '#audit';
import { AUDIT_RETRY, JobName, QueueName, type AuditRecord, type RecordAuditPayload } from '#queue';
import { FengdaClient, http, uniqueTenantId } from './support/api-client.js';
import { CuttableProxy } from './support/cuttable-proxy.js';
import { startGateway, startWorker, type RunningApp } from './support/test-apps.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('audit records survive Postgres being unreachable from the worker', () => {
  let proxy: CuttableProxy;
  let gateway: RunningApp;
  let worker: RunningApp;
  let api: FengdaClient;
  let tenant: { id: string; apiKey: string };

  const auditRows = async (): Promise<{ eventId: string; userId: string; seq: number }[]> =>
    (await http<{ items: { eventId: string; userId: string; seq: number }[] }>(`${gateway.url}/v1/audit?kind=turn&limit=500`, { token: tenant.apiKey })).body.items;

  const waitForCount = async (count: number, timeoutMs: number): Promise<number> => {
    const until = Date.now() + timeoutMs;
    let rows = await auditRows();
    while (rows.length < count && Date.now() < until) {
      await sleep(100);
      rows = await auditRows();
    }
    return rows.length;
  };

  beforeAll(async () => {
    let viaProxy: string;
    ({ proxy, url: viaProxy } = await CuttableProxy.inFrontOf(process.env.FENGDA_TEST_DATABASE_URL!, 5432));
    // Only the worker (the audit writer) goes through the proxy; the gateway reads directly.
    gateway = await startGateway();
    worker = await startWorker({ env: { DATABASE_URL: viaProxy } });
    api = new FengdaClient(gateway.url);
    tenant = await api.createTenant(uniqueTenantId('audit-outage'), { answerDeadlineMs: 400 });
  });

  afterAll(async () => {
    proxy?.restore();
    await gateway?.close();
    await worker?.close();
    await proxy?.stop();
  });

  it('writes every record exactly once after the connection comes back', async () => {
    const token = await api.token(tenant.apiKey, 'during-outage');
    const before = await api.token(tenant.apiKey, 'before-outage');
    for (let i = 0; i < 3; i++) expect((await api.chat(before, `before ${i}`)).status).toBe(200);
    expect(await waitForCount(3, 10_000)).toBe(3);

    proxy.sever();
    for (let i = 0; i < 4; i++) expect((await api.chat(token, `during ${i}`)).status).toBe(200);
    // The worker has tried and failed: the records wait in the queue, none is lost or failed for good.
    const queue = worker.app.get<Queue>(getQueueToken(QueueName.Audit));
    let counts: Record<string, number> = {};
    for (let i = 0; i < 50; i++) {
      counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'failed', 'completed');
      if (counts.delayed! > 0) break;
      await sleep(100);
    }
    expect(counts.delayed).toBeGreaterThan(0);
    expect(counts.failed).toBe(0);
    expect(await auditRows()).toHaveLength(3);

    proxy.restore();
    expect(await waitForCount(7, 25_000)).toBe(7);
    // Retries still in flight must not add rows: give them time, then count again.
    await sleep(1_000);
    const rows = await auditRows();
    expect(rows).toHaveLength(7);
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(7);
    expect(rows.filter((r) => r.userId === 'during-outage').map((r) => r.seq).sort()).toEqual([1, 2, 3, 4]);
    expect((await queue.getJobCounts('failed')).failed).toBe(0);
  }, 60_000);

  it('ignores a record written twice (the idempotency that makes retries safe)', async () => {
    const [row] = await auditRows();
    const again: AuditRecord = { tenantId: tenant.id, eventId: row!.eventId, kind: 'turn', actor: row!.userId, userId: row!.userId, seq: row!.seq, at: new Date().toISOString() };
    expect(await worker.app.get(AuditRepository).insertBatch([again, again])).toBe(0);
    expect(await auditRows()).toHaveLength(7);
  });

  it("writes the backlog as soon as Postgres is back, not when each job's backoff ends", async () => {
    const queue = worker.app.get<Queue<RecordAuditPayload>>(getQueueToken(QueueName.Audit));
    proxy.sever();
    // A record whose job, once failed, waits 30–60 s before its next try.
    const late: AuditRecord = { tenantId: tenant.id, eventId: `late-${Date.now()}`, kind: 'turn', actor: 'backlog', userId: 'backlog', seq: 1, at: new Date().toISOString() };
    const job = await queue.add(JobName.RecordAudit, { tenantId: tenant.id, records: [late] }, { backoff: { type: AUDIT_RETRY.type, delay: 60_000 } });
    const delayedUntil = Date.now() + 10_000;
    while (!(await job.isDelayed()) && Date.now() < delayedUntil) await sleep(100);
    expect(await job.isDelayed()).toBe(true);

    proxy.restore();
    const restoredAt = Date.now();
    // Any record written tells the worker that Postgres is back: here, a new chat turn's.
    const token = await api.token(tenant.apiKey, 'after-outage');
    expect((await api.chat(token, 'after the outage')).status).toBe(200);
    // Its own backoff would keep it waiting at least 30 s: it must be written well before that.
    let written = false;
    while (!written && Date.now() - restoredAt < 20_000) {
      written = (await auditRows()).some((r) => r.eventId === late.eventId);
      if (!written) await sleep(100);
    }
    expect(written).toBe(true);
    expect((await queue.getJobCounts('failed')).failed).toBe(0);
  }, 60_000);
});

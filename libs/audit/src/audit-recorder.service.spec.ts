import { describe, expect, it } from '@jest/globals';
import type { Job } from 'bullmq';
import { createLogger } from '#observability';
import type { AuditRecord, RecordAuditPayload } from '#queue';
import { useSpecQueue } from '../../../test/support/spec-queue.js';
import { AUDIT_BATCH_MAX, AUDIT_BATCH_WAIT_MS, AuditRecorder } from './audit-recorder.service.js';

describe('AuditRecorder', () => {
  const queue = useSpecQueue<RecordAuditPayload>('audit-recorder-spec');
  const record = (tenantId: string, n: number): AuditRecord => ({ tenantId, eventId: `e${n}`, kind: 'admin', actor: 'a', at: new Date(0).toISOString() });
  const jobs = async (): Promise<Job<RecordAuditPayload>[]> => (await queue().getJobs(['wait'])).sort((a, b) => String(a.id).localeCompare(String(b.id)));
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, AUDIT_BATCH_WAIT_MS + 40));
  const recorder = (): AuditRecorder => new AuditRecorder(queue(), createLogger({ level: 'silent', app: 'test' }));

  it("gathers one tenant's records into one job, and never mixes tenants", async () => {
    const r = recorder();
    r.recordInBackground(record('t1', 1));
    r.recordInBackground(record('t2', 2));
    r.recordInBackground(record('t1', 3));
    expect(await jobs()).toHaveLength(0);
    await settle();
    const queued = await jobs();
    expect(queued.map((j) => [j.id, j.data])).toEqual([
      ['t1.e1', { tenantId: 't1', records: [record('t1', 1), record('t1', 3)] }],
      ['t2.e2', { tenantId: 't2', records: [record('t2', 2)] }],
    ]);
  });

  it('sends a full batch without waiting for the timer', async () => {
    const r = recorder();
    for (let i = 0; i < AUDIT_BATCH_MAX + 1; i++) r.recordInBackground(record('t1', i));
    await settle();
    const [full, rest] = await jobs();
    expect(full!.id).toBe('t1.e0');
    expect('records' in full!.data && full!.data.records).toHaveLength(AUDIT_BATCH_MAX);
    expect('records' in rest!.data && rest!.data.records).toEqual([record('t1', AUDIT_BATCH_MAX)]);
    // The full batch left at once; the remainder waited for the timer.
    expect(rest!.timestamp - full!.timestamp).toBeGreaterThanOrEqual(AUDIT_BATCH_WAIT_MS - 2);
  });

  it('on shutdown sends what waits and then records without buffering', async () => {
    const r = recorder();
    r.recordInBackground(record('t1', 1));
    r.beforeApplicationShutdown();
    r.recordInBackground(record('t1', 2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await jobs()).map((j) => j.id)).toEqual(['t1.e1', 't1.e2']);
  });
});

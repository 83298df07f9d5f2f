import { Processor, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import { AuditBatcher } from '#audit';
import { LogContexts } from '#observability';
import { AUDIT_MAX_STALLED, JOB_LOCKS, JobName, QueueName, type RecordAuditPayload } from '#queue';

/**
 * Writes audit records. Many jobs run at once so the batcher can turn their records into one
 * multi-row INSERT; a job completes only after all its rows are committed, and is retried
 * (idempotently, per event id) if a write failed.
 */
@Processor(QueueName.Audit, { concurrency: 200, ...JOB_LOCKS, maxStalledCount: AUDIT_MAX_STALLED })
export class RecordAuditProcessor extends WorkerHost {
  constructor(private readonly batcher: AuditBatcher) {
    super();
  }

  async process(job: Job<RecordAuditPayload>): Promise<void> {
    if (job.name !== JobName.RecordAudit) throw new Error(`no handler for job ${job.name}`);
    const { data } = job;
    const records = 'records' in data ? data.records : [data.record];
    // A job carries one tenant's records only: a record claiming another tenant is refused, not written.
    if (records.some((r) => r.tenantId !== data.tenantId)) throw new UnrecoverableError(`audit job ${job.id} mixes tenants`);
    await LogContexts.run({ tenantId: data.tenantId, jobId: job.id }, () => Promise.all(records.map((r) => this.batcher.write(r))));
  }
}

import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { AuditBatcher } from '#audit';
import { LogContexts } from '#observability';
import { AUDIT_MAX_STALLED, JOB_LOCKS, JobName, QueueName, type RecordAuditPayload } from '#queue';

/**
 * Writes audit records. Many jobs run at once so the batcher can turn them into one multi-row
 * INSERT; a job completes only after its row is committed, and is retried if the write failed.
 */
@Processor(QueueName.Audit, { concurrency: 200, ...JOB_LOCKS, maxStalledCount: AUDIT_MAX_STALLED })
export class RecordAuditProcessor extends WorkerHost {
  constructor(private readonly batcher: AuditBatcher) {
    super();
  }

  async process(job: Job<RecordAuditPayload>): Promise<void> {
    if (job.name !== JobName.RecordAudit) throw new Error(`no handler for job ${job.name}`);
    await LogContexts.run({ tenantId: job.data.tenantId, jobId: job.id }, () => this.batcher.write(job.data.record));
  }
}

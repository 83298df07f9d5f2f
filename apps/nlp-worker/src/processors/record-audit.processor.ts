import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { AuditBatcher } from '#audit';
import { LOGGER, LogContexts, type Logger } from '#observability';
import { AUDIT_MAX_STALLED, auditRetryDelay, JOB_LOCKS, JobName, QueueName, type RecordAuditPayload } from '#queue';

/**
 * Writes audit records. Many jobs run at once so the batcher can turn their records into one
 * multi-row INSERT; a job completes only after all its rows are committed, and is retried
 * (idempotently, per event id) if a write failed. When Postgres was unreachable and writes succeed
 * again, the jobs waiting out their backoff are promoted, so the trail catches up at once.
 */
@Processor(QueueName.Audit, { concurrency: 200, ...JOB_LOCKS, maxStalledCount: AUDIT_MAX_STALLED, settings: { backoffStrategy: auditRetryDelay } })
export class RecordAuditProcessor extends WorkerHost {
  constructor(
    private readonly batcher: AuditBatcher,
    @InjectQueue(QueueName.Audit) private readonly queue: Queue<RecordAuditPayload>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
    batcher.onRecovered(() => void this.promoteBacklog());
  }

  async process(job: Job<RecordAuditPayload>): Promise<void> {
    if (job.name !== JobName.RecordAudit) throw new Error(`no handler for job ${job.name}`);
    const { data } = job;
    const records = 'records' in data ? data.records : [data.record];
    // A job carries one tenant's records only: a record claiming another tenant is refused, not written.
    if (records.some((r) => r.tenantId !== data.tenantId)) throw new UnrecoverableError(`audit job ${job.id} mixes tenants`);
    await LogContexts.run({ tenantId: data.tenantId, jobId: job.id }, () => Promise.all(records.map((r) => this.batcher.write(r))));
  }

  /** Every delayed audit job is a retry (none is added with a delay): run them now rather than at their backoff's end. */
  private async promoteBacklog(): Promise<void> {
    try {
      const delayed = await this.queue.getDelayedCount();
      if (delayed === 0) return;
      await this.queue.promoteJobs();
      this.logger.info({ delayed }, 'audit writes succeed again: retrying the delayed audit jobs now');
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'could not promote the delayed audit jobs; they retry at their backoff');
    }
  }
}

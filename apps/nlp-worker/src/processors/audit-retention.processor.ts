import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { AuditRetentionService } from '#audit';
import { LOGGER, LogContexts, type Logger } from '#observability';
import { JobName, QueueName, type AuditRetentionSweepPayload, type PurgeExpiredAuditPayload } from '#queue';
import { DEFAULT_AUDIT_RETENTION_DAYS } from '#tenancy';

/** Scheduler id: one per deployment however many workers upsert it. */
export const AUDIT_RETENTION_SCHEDULER = 'audit-retention-hourly';
const HOURLY_MS = 3_600_000;

type MaintenancePayload = AuditRetentionSweepPayload | PurgeExpiredAuditPayload;

/**
 * Audit retention. Every worker upserts the same hourly job scheduler at boot (idempotent, so
 * replicas and restarts keep exactly one); each run fans out one job per tenant, which
 * deletes that tenant's expired rows in batches. Per-tenant jobs keep one tenant's failure
 * or size from holding up the others, and carry the tenant like every other job.
 */
@Processor(QueueName.Maintenance, { concurrency: 2 })
export class AuditRetentionProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly retention: AuditRetentionService,
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue<MaintenancePayload>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(AUDIT_RETENTION_SCHEDULER, { every: HOURLY_MS }, { name: JobName.AuditRetentionSweep, data: { scope: 'all-tenants' } });
  }

  async process(job: Job<MaintenancePayload>): Promise<number> {
    switch (job.name) {
      case JobName.AuditRetentionSweep:
        return this.sweep(job.id ?? 'manual');
      case JobName.PurgeExpiredAudit: {
        const { tenantId, retentionDays } = job.data as PurgeExpiredAuditPayload;
        return LogContexts.run({ tenantId, jobId: job.id }, () => this.retention.purge(tenantId, retentionDays));
      }
      default:
        throw new Error(`no handler for job ${job.name}`);
    }
  }

  private async sweep(sweepId: string): Promise<number> {
    const policies = await this.retention.policies(DEFAULT_AUDIT_RETENTION_DAYS);
    // Job ids derive from the sweep's, so a retried sweep does not enqueue its purges twice
    // (BullMQ ids may not contain ':', which scheduler-made ids do).
    const run = sweepId.replace(/:/g, '_');
    await this.queue.addBulk(
      policies.map(({ tenantId, retentionDays }) => ({
        name: JobName.PurgeExpiredAudit,
        data: { tenantId, retentionDays },
        opts: { jobId: `purge-audit.${tenantId}.${run}` },
      })),
    );
    this.logger.info({ tenants: policies.length }, 'audit retention sweep enqueued');
    return policies.length;
  }
}

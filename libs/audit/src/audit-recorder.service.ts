import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { LOGGER, type Logger } from '#observability';
import { JobName, QueueName, type AuditRecord, type RecordAuditPayload } from '#queue';

/**
 * Producer side of the audit trail: records go to the `audit` queue, never straight to
 * Postgres, so a slow or absent database cannot slow a chat turn and nothing is lost while
 * it is away. The job id is the event id, so a retried enqueue is not doubled.
 */
@Injectable()
export class AuditRecorder {
  constructor(
    @InjectQueue(QueueName.Audit) private readonly queue: Queue<RecordAuditPayload>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async record(record: AuditRecord): Promise<void> {
    await this.queue.add(JobName.RecordAudit, { tenantId: record.tenantId, record }, { jobId: `${record.tenantId}.${record.eventId}` });
  }

  /** Fire-and-forget variant for the hot path; a failure is logged, never thrown at the client. */
  recordInBackground(record: AuditRecord): void {
    this.record(record).catch((error: Error) =>
      this.logger.error({ err: error.message, eventId: record.eventId }, 'audit enqueue failed'),
    );
  }
}

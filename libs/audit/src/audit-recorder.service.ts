import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { LOGGER, type Logger } from '#observability';
import { JobName, QueueName, type AuditRecord, type RecordAuditPayload } from '#queue';

/**
 * A tenant's records wait at most this long for others to share their job. 100 ms rather than 25: at 1,500 turns/s
 * over ten tenants the audit queue's jobs (and the worker's transactions) fell fourfold, which the benchmark showed as
 * about 15% less CPU per turn. The price: a gateway killed without a drain (SIGKILL, OOM) loses up to this long's
 * records of the tenants it served; SIGTERM sends them (beforeApplicationShutdown).
 */
export const AUDIT_BATCH_WAIT_MS = 100;
/** A batch this large is sent at once. */
export const AUDIT_BATCH_MAX = 100;

/**
 * Producer side of the audit trail: records go to the `audit` queue, never straight to
 * Postgres, so a slow or absent database cannot slow a chat turn and nothing is lost while
 * it is away. Records of one tenant arriving within AUDIT_BATCH_WAIT_MS share one job (per
 * tenant, so a job never carries two tenants' data): a job per record cost more CPU than the
 * rest of the turn's write-back in the benchmark's profile. The job id is the batch's first
 * event id, so a retried enqueue is not doubled, and inserts are idempotent per event id.
 */
@Injectable()
export class AuditRecorder implements BeforeApplicationShutdown {
  private readonly pending = new Map<string, AuditRecord[]>();
  private timer?: NodeJS.Timeout;
  /** Once shutting down, records are sent one by one at once: nothing waits in memory for a timer. */
  private immediate = false;

  constructor(
    @InjectQueue(QueueName.Audit) private readonly queue: Queue<RecordAuditPayload>,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Queues the record (batched with the tenant's others); a failure is logged, never thrown at the caller's client. */
  recordInBackground(record: AuditRecord): void {
    const batch = this.pending.get(record.tenantId);
    if (batch) batch.push(record);
    else this.pending.set(record.tenantId, [record]);
    if (this.immediate || (batch?.length ?? 1) >= AUDIT_BATCH_MAX) this.send(record.tenantId);
    else this.timer ??= setTimeout(() => this.flush(), AUDIT_BATCH_WAIT_MS);
  }

  /** Sends every waiting batch now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const tenantId of [...this.pending.keys()]) this.send(tenantId);
  }

  /**
   * The drain: turns still finishing after this point (in-flight HTTP requests, WebSockets) record without waiting,
   * and what is buffered goes now, while the queue's connection is still open.
   */
  beforeApplicationShutdown(): void {
    this.immediate = true;
    this.flush();
  }

  private send(tenantId: string): void {
    const records = this.pending.get(tenantId);
    this.pending.delete(tenantId);
    if (!records?.length) return;
    this.queue
      .add(JobName.RecordAudit, { tenantId, records }, { jobId: `${tenantId}.${records[0]!.eventId}` })
      .catch((error: Error) =>
        this.logger.error({ err: error.message, tenantId, eventIds: records.map((r) => r.eventId) }, 'audit enqueue failed'),
      );
  }
}

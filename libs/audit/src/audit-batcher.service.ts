import { Inject, Injectable } from '@nestjs/common';
import { isDatabaseUnavailable } from '#database';
import { LOGGER, RepeatThrottle, type Logger } from '#observability';
import type { AuditRecord } from '#queue';
import { AuditRepository } from './audit.repository.js';

interface Pending {
  record: AuditRecord;
  resolve: () => void;
  reject: (error: Error) => void;
}

const MAX_BATCH = 1_000;
/** Jobs' records gather this long into one transaction (one multi-row INSERT per tenant in it). */
const MAX_WAIT_MS = 200;
/** While Postgres is down every flush fails: one line per kind of failure per this long (with the count swallowed). */
const FAILURE_LOG_WINDOW_MS = 5_000;

/**
 * Collects audit records from concurrently running jobs into multi-row INSERTs. Each job's
 * promise settles only when its row is committed, so BullMQ completes a job only after the
 * write, and retries it (idempotently) when the write failed.
 */
@Injectable()
export class AuditBatcher {
  private pending: Pending[] = [];
  private timer?: NodeJS.Timeout;
  private readonly failures = new RepeatThrottle(FAILURE_LOG_WINDOW_MS);
  /** Set when a write failed because Postgres was unreachable (see isDatabaseUnavailable); cleared by the next write that succeeds. */
  private outage = false;
  private readonly recoveryListeners: (() => void)[] = [];

  constructor(
    private readonly repository: AuditRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  write(record: AuditRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (this.pending.length >= MAX_BATCH) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), MAX_WAIT_MS);
    });
  }

  /**
   * Calls `listener` each time writes succeed again after Postgres was unreachable: the records that failed meanwhile
   * wait in delayed jobs, and need not wait out their backoff.
   */
  onRecovered(listener: () => void): void {
    this.recoveryListeners.push(listener);
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await this.repository.insertBatch(batch.map((p) => p.record));
      this.written();
      for (const p of batch) p.resolve();
    } catch (error) {
      if (isDatabaseUnavailable(error)) this.outage = true;
      if (batch.length === 1) {
        const repeats = this.failures.admit(`one:${(error as Error).message}`);
        if (repeats) this.logger.warn({ err: (error as Error).message, tenantId: batch[0]!.record.tenantId, ...repeats }, 'audit insert failed; the job will retry');
        batch[0]!.reject(error as Error);
        return;
      }
      // One bad record must not hold back the others (and other tenants'): write them one by
      // one, so only the failing records' jobs retry. Idempotent, so re-writing is harmless.
      const repeats = this.failures.admit(`batch:${(error as Error).message}`);
      if (repeats) this.logger.warn({ err: (error as Error).message, size: batch.length, ...repeats }, 'audit batch insert failed; retrying record by record');
      await Promise.all(
        batch.map((p) =>
          this.repository.insertBatch([p.record]).then(
            () => {
              this.written();
              p.resolve();
            },
            (e: Error) => {
              if (isDatabaseUnavailable(e)) this.outage = true;
              p.reject(e);
            },
          ),
        ),
      );
    }
  }

  /** A write succeeded: if Postgres had been unreachable, it is back. */
  private written(): void {
    if (!this.outage) return;
    this.outage = false;
    for (const listener of this.recoveryListeners) listener();
  }
}

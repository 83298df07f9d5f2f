import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '#common';
import { LOGGER, type Logger } from '#observability';
import { AuditRepository } from './audit.repository.js';

const DAY_MS = 24 * 3600 * 1000;
const BATCH = 1000;
const MAX_DAYS = 3650;

/** One tenant's retention, as the sweep hands it to the per-tenant purge job. */
export interface AuditRetentionPolicy {
  tenantId: string;
  retentionDays: number;
}

/** Deletes audit rows past each tenant's retention (`auditRetentionDays`). */
@Injectable()
export class AuditRetentionService {
  constructor(
    private readonly repository: AuditRepository,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Every tenant's retention; `defaultDays` (the tenant-config default, passed in because the
   * tenancy lib depends on this one) for tenants that never set it or hold a bad value.
   */
  async policies(defaultDays: number): Promise<AuditRetentionPolicy[]> {
    const rows = await this.repository.retentionSettings();
    return rows.map(({ tenantId, days }) => ({
      tenantId,
      retentionDays: typeof days === 'number' && Number.isInteger(days) && days >= 1 && days <= MAX_DAYS ? days : defaultDays,
    }));
  }

  /** Deletes the tenant's expired rows in small batches; returns how many went. */
  async purge(tenantId: string, retentionDays: number): Promise<number> {
    const cutoff = new Date(this.clock.now() - retentionDays * DAY_MS);
    let total = 0;
    for (;;) {
      const deleted = await this.repository.deleteOlderThan(tenantId, cutoff, BATCH);
      total += deleted;
      if (deleted < BATCH) break;
    }
    if (total > 0) this.logger.info({ tenantId, deleted: total, retentionDays }, 'expired audit rows deleted');
    return total;
  }
}

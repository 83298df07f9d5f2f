import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuditRecord } from '#queue';

const COLUMNS = [
  'tenant_id', 'event_id', 'kind', 'actor', 'user_id', 'seq', 'query', 'answer', 'source',
  'confidence', 'entry_id', 'latency_ms', 'action', 'detail', 'created_at',
] as const;

/** Audit rows. Writes are multi-row and idempotent; reads always name the tenant. */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One INSERT for the whole batch; rows already present (same tenant and event id) are skipped. */
  async insertBatch(records: readonly AuditRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const params: unknown[] = [];
    const rows = records.map((r) => {
      const values = [
        r.tenantId, r.eventId, r.kind, r.actor, r.userId ?? null, r.seq ?? null, r.query ?? null,
        r.answer ?? null, r.source ?? null, r.confidence ?? null, r.entryId ?? null,
        r.latencyMs ?? null, r.action ?? null, r.detail ? JSON.stringify(r.detail) : null, r.at,
      ];
      const start = params.length;
      params.push(...values);
      return `(${values.map((_, i) => `$${start + i + 1}`).join(', ')})`;
    });
    const result: unknown[] = await this.dataSource.query(
      `INSERT INTO audit_log (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}
       ON CONFLICT (tenant_id, event_id) DO NOTHING RETURNING id`,
      params,
    );
    return result.length;
  }

  /** The tenant's most recent audit rows, newest first. */
  async listRecent(tenantId: string, limit: number): Promise<Record<string, unknown>[]> {
    return this.dataSource.query(
      `SELECT * FROM audit_log WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [tenantId, limit],
    );
  }
}

import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TenantDb } from '#database';
import type { AuditRecord } from '#queue';
import type { AuditEntry, AuditFilter, AuditPosition } from './audit-entry.js';

/** A tenant's batch of rows, one array parameter per column; rows already present (same event id) are skipped. */
const INSERT_ROWS = `
  INSERT INTO audit_log (tenant_id, event_id, kind, actor, user_id, seq, query, answer, source, confidence, entry_id,
                         latency_ms, action, detail, created_at)
  SELECT $1, r.* FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[],
                             $9::text[], $10::real[], $11::text[], $12::int[], $13::text[], $14::jsonb[], $15::timestamptz[]) AS r
  ON CONFLICT (tenant_id, event_id) DO NOTHING`;

/** A row of a page: the entry plus its exact position (for the next cursor). */
export type AuditPageRow = AuditEntry & { position: AuditPosition };

interface RawRow {
  id: string;
  event_id: string;
  kind: AuditEntry['kind'];
  actor: string;
  user_id: string | null;
  seq: number | null;
  query: string | null;
  answer: string | null;
  source: string | null;
  confidence: number | null;
  entry_id: string | null;
  latency_ms: number | null;
  action: string | null;
  detail: Record<string, unknown> | null;
  created_at_us: string;
}

/** Audit rows. Writes are multi-row and idempotent; reads and deletes always name the tenant. */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: TenantDb) {}

  /**
   * One transaction for the whole batch, one multi-row INSERT per tenant in it (row-level
   * security accepts only the rows of the tenant set for the statement); rows already present
   * (same tenant and event id) are skipped.
   */
  async insertBatch(records: readonly AuditRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const byTenant = new Map<string, AuditRecord[]>();
    for (const r of records) {
      const group = byTenant.get(r.tenantId);
      if (group) group.push(r);
      else byTenant.set(r.tenantId, [r]);
    }
    return this.db.transaction(async (manager) => {
      let inserted = 0;
      for (const [tenantId, group] of byTenant) {
        await TenantDb.setTenant(manager, tenantId);
        inserted += await this.insertRows(manager, tenantId, group);
      }
      return inserted;
    });
  }

  /**
   * One statement per tenant whatever the batch's size: the rows travel as one array per column and `unnest` turns
   * them back into rows. Its text never changes, so Postgres parses a dozen parameters instead of fifteen per row (a
   * multi-row VALUES list of ~100 rows was ~1,500 placeholders to parse and plan on every flush).
   */
  private async insertRows(manager: EntityManager, tenantId: string, records: readonly AuditRecord[]): Promise<number> {
    const column = <T>(pick: (r: AuditRecord) => T | undefined): (T | null)[] => records.map((r) => pick(r) ?? null);
    // A named statement: each pooled connection parses and plans it once. Its row count leaves out the rows ON CONFLICT
    // skipped. (TypeORM's query() cannot name a statement; the transaction's own pg client can.)
    const client = (await manager.queryRunner!.connect()) as { query(q: { name: string; text: string; values: unknown[] }): Promise<{ rowCount: number | null }> };
    const result = await client.query({ name: 'fengda_audit_insert_v1', text: INSERT_ROWS, values: [
      tenantId,
      column((r) => r.eventId), column((r) => r.kind), column((r) => r.actor), column((r) => r.userId),
      column((r) => r.seq), column((r) => r.query), column((r) => r.answer), column((r) => r.source),
      column((r) => r.confidence), column((r) => r.entryId), column((r) => r.latencyMs), column((r) => r.action),
      column((r) => (r.detail ? JSON.stringify(r.detail) : undefined)), column((r) => r.at),
    ] });
    return result.rowCount ?? 0;
  }

  /** The tenant's most recent audit rows, newest first. */
  async listRecent(tenantId: string, limit: number): Promise<Record<string, unknown>[]> {
    return this.scoped(tenantId, (m) => m.query(
      `SELECT * FROM audit_log WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [tenantId, limit],
    ));
  }

  /**
   * One page of the tenant's rows matching the filter, newest first, strictly after `after`
   * (keyset pagination on the (tenant_id, created_at, id) index: no offsets, so rows written
   * meanwhile cause neither duplicates nor gaps).
   */
  async page(tenantId: string, filter: AuditFilter, limit: number, after?: AuditPosition): Promise<AuditPageRow[]> {
    const params: unknown[] = [tenantId];
    const where = ['tenant_id = $1'];
    const add = (sql: (n: number) => string, ...values: unknown[]): void => {
      params.push(...values);
      where.push(sql(params.length - values.length + 1));
    };
    if (filter.from) add((n) => `created_at >= $${n}`, filter.from);
    if (filter.to) add((n) => `created_at < $${n}`, filter.to);
    if (filter.userId !== undefined) add((n) => `user_id = $${n}`, filter.userId);
    if (filter.source !== undefined) add((n) => `source = $${n}`, filter.source);
    if (filter.kind !== undefined) add((n) => `kind = $${n}`, filter.kind);
    if (after) add((n) => `(created_at, id) < ($${n}::timestamptz, $${n + 1}::bigint)`, after.createdAt, after.id);
    params.push(limit);
    const rows: RawRow[] = await this.scoped(tenantId, (m) => m.query(
      `SELECT id::text AS id, event_id, kind, actor, user_id, seq, query, answer, source, confidence, entry_id,
              latency_ms, action, detail,
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_us
         FROM audit_log
        WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC
        LIMIT $${params.length}`,
      params,
    ));
    return rows.map(toEntry);
  }

  /**
   * Deletes up to `batchSize` of the tenant's rows older than `cutoff`, oldest first; returns
   * how many went. Small batches keep each transaction and its locks short.
   */
  async deleteOlderThan(tenantId: string, cutoff: Date, batchSize: number): Promise<number> {
    const rows: { n: number }[] = await this.scoped(tenantId, (m) => m.query(
      `WITH doomed AS (
         SELECT id FROM audit_log WHERE tenant_id = $1 AND created_at < $2 ORDER BY created_at, id LIMIT $3
       ), gone AS (
         DELETE FROM audit_log WHERE id IN (SELECT id FROM doomed) RETURNING 1
       )
       SELECT count(*)::int AS n FROM gone`,
      [tenantId, cutoff, batchSize],
    ));
    return rows[0]?.n ?? 0;
  }

  /**
   * Every tenant with its configured retention (null when it has none): the one cross-tenant
   * read, made by the retention sweep to fan out one job per tenant.
   */
  async retentionSettings(): Promise<{ tenantId: string; days: unknown }[]> {
    // A SECURITY DEFINER function: the app role cannot read the tenants table across tenants.
    return this.db.unscoped((m) => m.query(`SELECT tenant_id AS "tenantId", days FROM fengda_audit_retention()`));
  }

  private scoped<T>(tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.run(tenantId, work);
  }
}

const toEntry = (row: RawRow): AuditPageRow => ({
  id: row.id,
  eventId: row.event_id,
  kind: row.kind,
  actor: row.actor,
  userId: row.user_id,
  seq: row.seq,
  query: row.query,
  answer: row.answer,
  source: row.source,
  confidence: row.confidence,
  entryId: row.entry_id,
  latencyMs: row.latency_ms,
  action: row.action,
  detail: row.detail,
  at: new Date(row.created_at_us).toISOString(),
  position: { createdAt: row.created_at_us, id: row.id },
});

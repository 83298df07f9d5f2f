import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TenantDb } from '#database';
import type { KbEntry, KbEntryView, KbImportMode, KbImportResult } from './kb-entry.js';

interface KbRow {
  id: string;
  question: string;
  similar_questions: string[];
  answer: string;
  tags: string[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, question, similar_questions, answer, tags, created_at, updated_at';
// 500 rows x 6 parameters stays far below Postgres' 65,535 parameters per statement.
const CHUNK = 500;
// Key space of the per-tenant import lock (two-int advisory locks never meet the migration lock).
const IMPORT_LOCK_SPACE = 7_214_101;

const toView = (row: KbRow): KbEntryView => ({
  id: row.id,
  question: row.question,
  similarQuestions: row.similar_questions,
  answer: row.answer,
  tags: row.tags,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/**
 * Knowledge-base rows; every call names the tenant, and runs in a transaction that also sets
 * it transaction-locally (`fengda.tenant_id`), the setting row-level security filters on, so
 * a pooled connection never carries one tenant into another's query.
 */
@Injectable()
export class KnowledgeRepository {
  constructor(private readonly db: TenantDb) {}

  /** The whole knowledge base, for building the retrieval index. */
  async listForTenant(tenantId: string): Promise<KbEntry[]> {
    // Raw rows, not entities: a 10,000-entry knowledge base loads without ORM hydration.
    const rows: Pick<KbRow, 'id' | 'question' | 'similar_questions' | 'answer' | 'tags'>[] = await this.scoped(tenantId, (m) =>
      m.query(`SELECT id, question, similar_questions, answer, tags FROM kb_entries WHERE tenant_id = $1 ORDER BY id`, [tenantId]),
    );
    return rows.map((r) => ({ id: r.id, question: r.question, similarQuestions: r.similar_questions, answer: r.answer, tags: r.tags }));
  }

  async findOne(tenantId: string, id: string): Promise<KbEntryView | null> {
    const rows: KbRow[] = await this.scoped(tenantId, (m) => m.query(`SELECT ${COLUMNS} FROM kb_entries WHERE tenant_id = $1 AND id = $2`, [tenantId, id]));
    return rows[0] ? toView(rows[0]) : null;
  }

  /** One page in id order (keyset: `after` is the last id of the previous page). */
  async listPage(tenantId: string, page: { after?: string; limit: number; tag?: string }): Promise<KbEntryView[]> {
    const params: unknown[] = [tenantId];
    let where = 'tenant_id = $1';
    if (page.after !== undefined) where += ` AND id > $${params.push(page.after)}`;
    if (page.tag !== undefined) where += ` AND $${params.push(page.tag)} = ANY (tags)`;
    const sql = `SELECT ${COLUMNS} FROM kb_entries WHERE ${where} ORDER BY id LIMIT $${params.push(page.limit)}`;
    const rows: KbRow[] = await this.scoped(tenantId, (m) => m.query(sql, params));
    return rows.map(toView);
  }

  /** Inserts a new entry; null when the tenant already has one with this id. */
  async insert(tenantId: string, entry: KbEntry): Promise<KbEntryView | null> {
    const rows: KbRow[] = await this.scoped(tenantId, (m) =>
      m.query(
        `INSERT INTO kb_entries (tenant_id, id, question, similar_questions, answer, tags) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, id) DO NOTHING RETURNING ${COLUMNS}`,
        [tenantId, entry.id, entry.question, entry.similarQuestions, entry.answer, entry.tags],
      ),
    );
    return rows[0] ? toView(rows[0]) : null;
  }

  /** Creates or replaces an entry; `created` tells which. */
  async put(tenantId: string, entry: KbEntry): Promise<{ entry: KbEntryView; created: boolean }> {
    // xmax is 0 only on a freshly inserted row version, not on one written by DO UPDATE.
    const rows: (KbRow & { created: boolean })[] = await this.scoped(tenantId, (m) =>
      m.query(
        `INSERT INTO kb_entries (tenant_id, id, question, similar_questions, answer, tags) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, id) DO UPDATE SET question = EXCLUDED.question, similar_questions = EXCLUDED.similar_questions,
           answer = EXCLUDED.answer, tags = EXCLUDED.tags, updated_at = now()
         RETURNING ${COLUMNS}, (xmax = 0) AS created`,
        [tenantId, entry.id, entry.question, entry.similarQuestions, entry.answer, entry.tags],
      ),
    );
    return { entry: toView(rows[0]!), created: rows[0]!.created };
  }

  /** Deletes an entry; false when there was none. */
  async remove(tenantId: string, id: string): Promise<boolean> {
    // Counted through a CTE: TypeORM returns a bare DELETE's rows in another shape.
    const rows: { n: number }[] = await this.scoped(tenantId, (m) =>
      m.query(`WITH gone AS (DELETE FROM kb_entries WHERE tenant_id = $1 AND id = $2 RETURNING 1) SELECT count(*)::int AS n FROM gone`, [tenantId, id]),
    );
    return rows[0]!.n > 0;
  }

  /** Inserts or replaces entries by id, in one statement per chunk, inside one transaction. */
  async upsertMany(tenantId: string, entries: readonly KbEntry[]): Promise<void> {
    await this.scoped(tenantId, (manager) => this.writeChunks(manager, tenantId, entries));
  }

  /**
   * All-or-nothing bulk write. `replace` first deletes the entries the file does not name. One
   * tenant's imports queue behind each other, so two `replace` imports never interleave into a
   * union of both files.
   */
  async importEntries(tenantId: string, entries: readonly KbEntry[], mode: KbImportMode): Promise<KbImportResult> {
    return this.scoped(tenantId, async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [IMPORT_LOCK_SPACE, tenantId]);
      let deleted = 0;
      if (mode === 'replace') {
        const rows: { n: number }[] = await manager.query(
          `WITH gone AS (DELETE FROM kb_entries WHERE tenant_id = $1 AND id <> ALL ($2::text[]) RETURNING 1) SELECT count(*)::int AS n FROM gone`,
          [tenantId, entries.map((e) => e.id)],
        );
        deleted = rows[0]!.n;
      }
      const written = await this.writeChunks(manager, tenantId, entries);
      return { imported: entries.length, ...written, deleted };
    });
  }

  private scoped<T>(tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.run(tenantId, work);
  }

  /**
   * Multi-row INSERT … ON CONFLICT per chunk. Rows identical to the stored ones are left alone
   * (their updated_at keeps meaning "last changed"), so re-importing the same file is a no-op.
   */
  private async writeChunks(manager: EntityManager, tenantId: string, entries: readonly KbEntry[]): Promise<Omit<KbImportResult, 'imported' | 'deleted'>> {
    let created = 0;
    let updated = 0;
    for (let i = 0; i < entries.length; i += CHUNK) {
      const chunk = entries.slice(i, i + CHUNK);
      const params: unknown[] = [tenantId];
      const rows = chunk.map((e) => {
        const start = params.length;
        params.push(e.id, e.question, e.similarQuestions, e.answer, e.tags);
        return `($1, $${start + 1}, $${start + 2}, $${start + 3}::text[], $${start + 4}, $${start + 5}::text[])`;
      });
      const written: { created: boolean }[] = await manager.query(
        `INSERT INTO kb_entries (tenant_id, id, question, similar_questions, answer, tags) VALUES ${rows.join(', ')}
         ON CONFLICT (tenant_id, id) DO UPDATE SET question = EXCLUDED.question,
           similar_questions = EXCLUDED.similar_questions, answer = EXCLUDED.answer,
           tags = EXCLUDED.tags, updated_at = now()
         WHERE (kb_entries.question, kb_entries.similar_questions, kb_entries.answer, kb_entries.tags)
           IS DISTINCT FROM (EXCLUDED.question, EXCLUDED.similar_questions, EXCLUDED.answer, EXCLUDED.tags)
         RETURNING (xmax = 0) AS created`,
        params,
      );
      for (const row of written) {
        if (row.created) created++;
        else updated++;
      }
    }
    return { created, updated, unchanged: entries.length - created - updated };
  }
}

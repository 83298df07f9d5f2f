import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { KbEntryEntity } from './kb-entry.entity.js';
import type { KbEntry } from './kb-entry.js';

/** Knowledge-base rows; every call names the tenant. */
@Injectable()
export class KnowledgeRepository {
  constructor(private readonly dataSource: DataSource) {}

  async listForTenant(tenantId: string): Promise<KbEntry[]> {
    const rows = await this.dataSource.getRepository(KbEntryEntity).find({ where: { tenantId }, order: { id: 'ASC' } });
    return rows.map(({ id, question, similarQuestions, answer, tags }) => ({ id, question, similarQuestions, answer, tags }));
  }

  /** Inserts or replaces entries by id, in one statement per chunk, inside one transaction. */
  async upsertMany(tenantId: string, entries: readonly KbEntry[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      for (let i = 0; i < entries.length; i += 500) {
        const chunk = entries.slice(i, i + 500);
        const params: unknown[] = [];
        const rows = chunk.map((e) => {
          const start = params.length;
          params.push(tenantId, e.id, e.question, e.similarQuestions, e.answer, e.tags);
          return `($${start + 1}, $${start + 2}, $${start + 3}, $${start + 4}, $${start + 5}, $${start + 6})`;
        });
        await manager.query(
          `INSERT INTO kb_entries (tenant_id, id, question, similar_questions, answer, tags) VALUES ${rows.join(', ')}
           ON CONFLICT (tenant_id, id) DO UPDATE SET question = EXCLUDED.question,
             similar_questions = EXCLUDED.similar_questions, answer = EXCLUDED.answer,
             tags = EXCLUDED.tags, updated_at = now()`,
          params,
        );
      }
    });
  }
}

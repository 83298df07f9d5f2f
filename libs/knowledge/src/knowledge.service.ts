import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';
import { EventBusService } from '#redis';
import { KbChangeNotifier } from './kb-change-notifier.service.js';
import { decodeKbCursor, encodeKbCursor } from './kb-cursor.js';
import type { KbEntry, KbEntryInput, KbEntryView } from './kb-entry.js';
import { KnowledgeRepository } from './knowledge.repository.js';

/** One page of a listing; `nextCursor` is null on the last page. */
export interface KbPage {
  items: KbEntryView[];
  nextCursor: string | null;
}

export const KB_PAGE_DEFAULT = 50;
export const KB_PAGE_MAX = 500;

const toEntry = (id: string, input: KbEntryInput): KbEntry => ({
  id,
  question: input.question,
  similarQuestions: input.similarQuestions ?? [],
  answer: input.answer,
  tags: input.tags ?? [],
});

/**
 * A tenant's knowledge base, one entry at a time. `actor` (the API key prefix) goes to the
 * audit trail; every change is announced so workers rebuild their index.
 */
@Injectable()
export class KnowledgeService {
  constructor(
    private readonly repository: KnowledgeRepository,
    private readonly notifier: KbChangeNotifier,
    private readonly events: EventBusService,
  ) {}

  async list(tenantId: string): Promise<KbEntry[]> {
    return this.repository.listForTenant(tenantId);
  }

  async listPage(tenantId: string, query: { limit?: number; cursor?: string; tag?: string }): Promise<KbPage> {
    const limit = Math.min(query.limit ?? KB_PAGE_DEFAULT, KB_PAGE_MAX);
    const after = query.cursor === undefined ? undefined : decodeKbCursor(query.cursor);
    // One row more than asked tells whether another page follows, without a count query.
    const rows = await this.repository.listPage(tenantId, { after, limit: limit + 1, tag: query.tag });
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? encodeKbCursor(items.at(-1)!.id) : null };
  }

  async get(tenantId: string, id: string): Promise<KbEntryView> {
    const entry = await this.repository.findOne(tenantId, id);
    if (!entry) throw notFound(id);
    return entry;
  }

  /** Creates an entry; its id is generated when the caller gives none. */
  async create(tenantId: string, actor: string, input: KbEntryInput): Promise<KbEntryView> {
    const id = input.id ?? randomUUID();
    const entry = await this.repository.insert(tenantId, toEntry(id, input));
    if (!entry) throw new DomainError(ErrorCode.KbEntryExists, `knowledge-base entry "${id}" already exists; PUT /v1/kb/entries/${id} replaces it`);
    await this.notifier.changed(tenantId, actor, 'kb.create', { id });
    return entry;
  }

  /** Creates or replaces the entry `id`; an id in the body, if any, must be the same. */
  async put(tenantId: string, actor: string, id: string, input: KbEntryInput): Promise<{ entry: KbEntryView; created: boolean }> {
    if (input.id !== undefined && input.id !== id) {
      const message = 'id in the body must match the id in the path';
      throw new DomainError(ErrorCode.ValidationFailed, message, { fields: { id: [message] } });
    }
    const result = await this.repository.put(tenantId, toEntry(id, input));
    await this.notifier.changed(tenantId, actor, result.created ? 'kb.create' : 'kb.update', { id });
    return result;
  }

  async remove(tenantId: string, actor: string, id: string): Promise<void> {
    if (!(await this.repository.remove(tenantId, id))) throw notFound(id);
    await this.notifier.changed(tenantId, actor, 'kb.delete', { id });
  }

  /** Bulk upsert for seeding and tests (no audit actor); the API's bulk path is `KbTransferService`. */
  async upsertMany(tenantId: string, entries: readonly KbEntry[]): Promise<void> {
    await this.repository.upsertMany(tenantId, entries);
    await this.events.publish({ type: 'kb.changed', tenantId });
  }
}

const notFound = (id: string): DomainError => new DomainError(ErrorCode.KbEntryNotFound, `knowledge-base entry "${id}" not found`);

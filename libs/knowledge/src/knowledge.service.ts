import { Injectable } from '@nestjs/common';
import { EventBusService } from '#redis';
import type { KbEntry } from './kb-entry.js';
import { KnowledgeRepository } from './knowledge.repository.js';

/** Writes to a tenant's knowledge base, announcing each change so workers rebuild their index. */
@Injectable()
export class KnowledgeService {
  constructor(
    private readonly repository: KnowledgeRepository,
    private readonly events: EventBusService,
  ) {}

  async list(tenantId: string): Promise<KbEntry[]> {
    return this.repository.listForTenant(tenantId);
  }

  async upsertMany(tenantId: string, entries: readonly KbEntry[]): Promise<void> {
    await this.repository.upsertMany(tenantId, entries);
    await this.events.publish({ type: 'kb.changed', tenantId });
  }
}

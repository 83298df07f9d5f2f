import { Injectable } from '@nestjs/common';
import { HistoryRepository, type StoredTurn } from '#sessions';

/** A tenant's read and erasure access to its users' conversations. */
@Injectable()
export class ConversationService {
  constructor(private readonly history: HistoryRepository) {}

  async get(tenantId: string, userId: string): Promise<{ userId: string; turns: StoredTurn[] }> {
    return { userId, turns: await this.history.list(tenantId, userId) };
  }

  async erase(tenantId: string, userId: string): Promise<{ userId: string; erased: boolean }> {
    return { userId, erased: await this.history.erase(tenantId, userId) };
  }
}

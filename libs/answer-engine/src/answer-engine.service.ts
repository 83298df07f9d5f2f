import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { AnswerSource } from '#common';
import { KnowledgeRepository } from '#knowledge';
import { LOGGER, type Logger } from '#observability';
import type { ContextTurn } from '#queue';
import { EventBusService } from '#redis';
import { DEFAULT_CONFIDENCE_THRESHOLD, RetrievalIndex, type SearchHit } from '#retrieval';
import { isElliptical } from './follow-up.js';

/** One question for the engine. */
export interface AnswerRequest {
  tenantId: string;
  userId: string;
  query: string;
  /** Most recent last. */
  history: readonly ContextTurn[];
  threshold: number | null;
  /** Aborted when nobody waits for the answer any more (deadline or client gone). */
  signal?: AbortSignal;
  /** Streams generated text to the waiting client, in order. */
  onDelta?: (text: string) => void;
}

export interface EngineAnswer {
  answer: string | null;
  source: AnswerSource;
  confidence: number;
  entryId?: string;
}

interface TenantIndex {
  index: RetrievalIndex;
  answers: Map<string, string>;
  builtAt: number;
}

// A missed kb.changed event heals within this time.
const INDEX_TTL_MS = 5 * 60_000;

/**
 * The worker's answer engine: retrieval over the tenant's knowledge base, using the recent
 * turns to resolve follow-ups. Returns `answer: null` with source `fallback` when nothing is
 * confident enough; the caller supplies the tenant's fallback text.
 */
@Injectable()
export class AnswerEngineService implements OnModuleInit {
  private readonly indexes = new Map<string, TenantIndex>();
  private readonly building = new Map<string, Promise<TenantIndex>>();

  constructor(
    private readonly knowledge: KnowledgeRepository,
    private readonly events: EventBusService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.events.subscribe((event) => {
      if (event.type === 'kb.changed') {
        this.indexes.delete(event.tenantId);
        this.logger.info({ tenantId: event.tenantId }, 'knowledge base changed; index will rebuild');
      }
    });
  }

  async answer(request: AnswerRequest): Promise<EngineAnswer> {
    const { tenantId, query, history, threshold } = request;
    const { index, answers } = await this.indexFor(tenantId);
    const minConfidence = threshold ?? DEFAULT_CONFIDENCE_THRESHOLD;
    const hit = this.bestHit(index, query, history, minConfidence);
    if (!hit || hit.confidence < minConfidence) return { answer: null, source: 'fallback', confidence: hit?.confidence ?? 0 };
    return { answer: answers.get(hit.id) ?? null, source: 'kb', confidence: round(hit.confidence), entryId: hit.id };
  }

  /** Forces a rebuild on next use. */
  invalidate(tenantId: string): void {
    this.indexes.delete(tenantId);
  }

  private bestHit(index: RetrievalIndex, query: string, history: readonly ContextTurn[], minConfidence: number): SearchHit | undefined {
    const previous = lastCustomerQuery(history);
    if (isElliptical(query)) {
      // "那手续费呢?" alone names no product; only the previous turn can say which fee is meant.
      return previous ? index.search(`${previous} ${query}`, 1)[0] : undefined;
    }
    const direct = index.search(query, 3);
    if (!previous || (direct[0] && direct[0].confidence >= minConfidence)) return direct[0];
    // A weak, non-elliptical query may still be a terse follow-up ("fees?"); context is only
    // allowed to pick an entry the query itself already leans towards, so an unrelated new
    // question is never dragged back to the previous topic.
    const contextual = index.search(`${previous} ${query}`, 1)[0];
    if (contextual && direct.some((hit) => hit.id === contextual.id)) return contextual;
    return direct[0];
  }

  private async indexFor(tenantId: string): Promise<TenantIndex> {
    const cached = this.indexes.get(tenantId);
    if (cached && Date.now() - cached.builtAt < INDEX_TTL_MS) return cached;
    let pending = this.building.get(tenantId);
    if (!pending) {
      pending = this.build(tenantId).finally(() => this.building.delete(tenantId));
      this.building.set(tenantId, pending);
    }
    return pending;
  }

  private async build(tenantId: string): Promise<TenantIndex> {
    const started = performance.now();
    const entries = await this.knowledge.listForTenant(tenantId);
    const index = RetrievalIndex.build(entries);
    const built: TenantIndex = { index, answers: new Map(entries.map((e) => [e.id, e.answer])), builtAt: Date.now() };
    this.indexes.set(tenantId, built);
    this.logger.info({ tenantId, entries: entries.length, ms: Math.round(performance.now() - started) }, 'knowledge index built');
    return built;
  }
}

const lastCustomerQuery = (history: readonly ContextTurn[]): string | undefined => {
  for (let i = history.length - 1; i >= 0; i--) {
    const turn = history[i]!;
    if (turn.source !== 'fallback' || !isElliptical(turn.query)) return turn.query;
  }
  return undefined;
};

const round = (n: number): number => Math.round(n * 1000) / 1000;

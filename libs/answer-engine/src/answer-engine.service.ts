import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock, type AnswerSource } from '#common';
import { AppConfig } from '#config';
import { HandoffService, fallbackStreakReached, isHandoffRequest } from '#handoff';
import { KnowledgeRepository } from '#knowledge';
import { LlmService, buildGroundedMessages, type LlmProvider } from '#llm';
import { LOGGER, type Logger } from '#observability';
import type { ContextTurn, HandoffReason } from '#queue';
import { EventBusService } from '#redis';
import { DEADLINE_EXCEEDED, raceDeadline } from '#resilience';
import { DEFAULT_CONFIDENCE_THRESHOLD, RetrievalIndex, sharedWordVectors, wordVectorLoadInfo, type SearchHit } from '#retrieval';
import { retrieve } from './kb-retrieval.js';
import { TenantAnswerSettings, type AnswerSettings } from './tenant-answer-settings.service.js';

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
  /** Epoch ms (app clock) after which nobody waits; the engine answers a margin before it. */
  deadlineAt?: number;
  /** The turn's id; names a handoff so its webhook deliveries can be deduplicated. */
  turnId?: string;
}

export interface EngineAnswer {
  answer: string | null;
  source: AnswerSource;
  confidence: number;
  entryId?: string;
}

interface TenantIndex {
  index: RetrievalIndex;
  entries: Map<string, { question: string; answer: string }>;
  builtAt: number;
  /** The knowledge base changed since this index was built: rebuild, serve meanwhile. */
  stale: boolean;
}

// A missed kb.changed event heals within this time.
const INDEX_TTL_MS = 5 * 60_000;
// After a change, a turn waits this long for the rebuilt index before answering from the
// previous one: small knowledge bases rebuild in milliseconds (fresh at once), a 10,000-entry
// one takes seconds, which must not eat every turn's deadline meanwhile.
const FRESH_INDEX_WAIT_MS = 250;
// Budget of a request that names no deadline (direct calls; the worker always passes one).
const DEFAULT_BUDGET_MS = 1_500;

/**
 * The worker's answer engine. In order: a request for a human hands off; the tenant's
 * knowledge base is searched (recent turns resolve follow-ups); with a language model
 * configured, it answers from the top hits and the recent turns, streaming, inside the
 * deadline; otherwise, or when the model fails, the best KB answer above the threshold;
 * else `answer: null` (the caller's fallback text), or a handoff once fallbacks repeat.
 */
@Injectable()
export class AnswerEngineService implements OnModuleInit {
  private readonly indexes = new Map<string, TenantIndex>();
  private readonly building = new Map<string, Promise<TenantIndex>>();
  /** Bumped on every kb.changed, so a build that raced a change is not taken as fresh. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly knowledge: KnowledgeRepository,
    private readonly events: EventBusService,
    private readonly settings: TenantAnswerSettings,
    private readonly llm: LlmService,
    private readonly handoff: HandoffService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    // The retrieval's word-vector table loads once per process (about a second): at boot, not
    // inside the first customer's turn, whose deadline it would otherwise eat.
    sharedWordVectors();
    const vectors = wordVectorLoadInfo();
    this.logger.info({ loaded: vectors?.loaded, words: vectors?.words, ms: Math.round(vectors?.milliseconds ?? 0) }, 'word vectors ready');
    await this.events.subscribe((event) => {
      if (event.type === 'kb.changed') {
        this.markStale(event.tenantId);
        this.logger.info({ tenantId: event.tenantId }, 'knowledge base changed; index will rebuild');
      }
    });
  }

  async answer(request: AnswerRequest): Promise<EngineAnswer> {
    const { tenantId, query, history, threshold } = request;
    const settings = await this.settings.get(tenantId);
    if (isHandoffRequest(query)) return this.handOff(request, settings, 'customer_request', 1);

    const { index, entries } = await this.indexFor(tenantId);
    const minConfidence = threshold ?? DEFAULT_CONFIDENCE_THRESHOLD;
    const { best, top } = retrieve(index, query, history, minConfidence);
    if (settings.provider && top.length > 0) {
      const text = await this.generate(request, settings.provider, top, entries);
      if (text !== null) return { answer: text, source: 'llm', confidence: round(best?.confidence ?? 0) };
    }
    if (best && best.confidence >= minConfidence) {
      return { answer: entries.get(best.id)?.answer ?? null, source: 'kb', confidence: round(best.confidence), entryId: best.id };
    }
    if (fallbackStreakReached(history, settings.handoffAfterFallbacks)) {
      return this.handOff(request, settings, 'repeated_fallback', round(best?.confidence ?? 0));
    }
    return { answer: null, source: 'fallback', confidence: best?.confidence ?? 0 };
  }

  /** Forces a rebuild on next use. */
  invalidate(tenantId: string): void {
    this.markStale(tenantId);
  }

  private markStale(tenantId: string): void {
    this.generations.set(tenantId, (this.generations.get(tenantId) ?? 0) + 1);
    const cached = this.indexes.get(tenantId);
    if (cached) cached.stale = true;
  }

  /**
   * The model's answer grounded in the top hits, or null when it is unavailable in time. The
   * race is a second guard: whatever the provider does, the engine answers by
   * (deadline - margin) and the abandoned call is aborted.
   */
  private async generate(request: AnswerRequest, provider: LlmProvider, top: SearchHit[], entries: TenantIndex['entries']): Promise<string | null> {
    const deadlineAt = request.deadlineAt ?? this.clock.now() + DEFAULT_BUDGET_MS;
    const excerpts = top.flatMap((hit) => entries.get(hit.id) ?? []);
    const messages = buildGroundedMessages({ systemPrompt: provider.systemPrompt, excerpts, history: request.history, query: request.query });
    const controller = new AbortController();
    const onCallerAbort = (): void => controller.abort();
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (request.signal?.aborted) controller.abort();
    try {
      const outcome = await raceDeadline(
        this.llm.generate({ tenantId: request.tenantId, provider, messages, deadlineAt, signal: controller.signal, onDelta: request.onDelta }),
        deadlineAt - this.config.llm.deadlineMarginMs - this.clock.now(),
      );
      if (outcome === DEADLINE_EXCEEDED) {
        this.logger.warn({ reason: 'deadline' }, 'llm answer unavailable; falling back');
        return null;
      }
      return outcome.ok ? outcome.text : null;
    } finally {
      controller.abort();
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Answers with the tenant's handoff text and, when configured, queues the webhook (never awaited). */
  private handOff(request: AnswerRequest, settings: AnswerSettings, reason: HandoffReason, confidence: number): EngineAnswer {
    const handoffId = request.turnId ?? randomUUID();
    if (settings.handoffWebhook) {
      this.handoff.notifyInBackground({
        tenantId: request.tenantId,
        handoffId,
        userId: request.userId,
        reason,
        query: request.query,
        transcript: [...request.history],
        at: new Date(this.clock.now()).toISOString(),
      });
    }
    this.logger.info({ reason, handoffId, webhook: settings.handoffWebhook }, 'conversation handed to a human');
    return { answer: settings.handoffText, source: 'handoff', confidence };
  }

  private async indexFor(tenantId: string): Promise<TenantIndex> {
    const cached = this.indexes.get(tenantId);
    if (cached && !cached.stale && Date.now() - cached.builtAt < INDEX_TTL_MS) return cached;
    let pending = this.building.get(tenantId);
    if (!pending) {
      pending = this.build(tenantId).finally(() => this.building.delete(tenantId));
      this.building.set(tenantId, pending);
    }
    if (!cached) return pending;
    // Stale-while-revalidate: a rebuild that fails keeps the previous index serving.
    const previous = new Promise<TenantIndex>((resolve) => setTimeout(() => resolve(cached), FRESH_INDEX_WAIT_MS).unref());
    return Promise.race([pending.catch(() => cached), previous]);
  }

  private async build(tenantId: string): Promise<TenantIndex> {
    const started = performance.now();
    const generation = this.generations.get(tenantId) ?? 0;
    const entries = await this.knowledge.listForTenant(tenantId);
    const index = RetrievalIndex.build(entries);
    const built: TenantIndex = {
      index,
      entries: new Map(entries.map((e) => [e.id, { question: e.question, answer: e.answer }])),
      builtAt: Date.now(),
      // A change that arrived while loading may be missing from this index: serve it, rebuild again.
      stale: (this.generations.get(tenantId) ?? 0) !== generation,
    };
    this.indexes.set(tenantId, built);
    this.logger.info({ tenantId, entries: entries.length, ms: Math.round(performance.now() - started) }, 'knowledge index built');
    return built;
  }
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock, DomainError, ErrorCode, type AnswerSource } from '#common';
import { AuditRecorder } from '#audit';
import { MetricsService } from '#metrics';
import { LOGGER, LogContexts, maskPii, type Logger } from '#observability';
import type { AnswerReply, AnswerTurnPayload, ContextTurn } from '#queue';
import { DEADLINE_EXCEEDED, raceDeadline } from '#resilience';
import { RateLimiter } from '#rate-limit';
import { HistoryRepository, PENDING, type StoredTurn } from '#sessions';
import type { TenantSnapshot } from '#tenancy';
import { AdmissionService } from './admission.service.js';
import { AnswerDispatcher } from './answer-dispatcher.service.js';
import { ReplyBusService } from './reply-bus.service.js';

/** The public answer to one chat turn. */
export interface ChatTurnResult {
  answer: string;
  source: AnswerSource;
  confidence: number;
  seq: number;
  entryId?: string;
}

export interface ChatTurnInput {
  query: string;
  clientMsgId?: string;
  /**
   * Issue time (epoch ms) of the end user's token, when the channel has one: the turn is refused (`TOKEN_REVOKED`)
   * if the user's tokens were revoked since. The OpenAI facade authenticates the tenant's backend and has none.
   */
  tokenIssuedAt?: number;
}

/** Streaming channels (WebSocket, SSE) pass these; plain REST does not. */
export interface ChatTurnOptions {
  /** Receives the answer's text as it is generated, in order. */
  onDelta?: (text: string) => void;
  /** Aborted when the client went away: the turn is abandoned and the worker told to stop. */
  signal?: AbortSignal;
}

// A retried clientMsgId is recognised for this long.
const DEDUP_TTL_SEC = 24 * 3600;
const DUPLICATE_POLL_MS = 25;
const OVERLOAD_RETRY_AFTER_SEC = 2;
const PENDING_CLAIM_GRACE_SEC = 30;

/**
 * One chat turn, as the design's pipeline: history (one round trip) → `answer` job → wait for
 * the worker until the tenant's deadline, else the fallback → write back (one round trip) →
 * audit record to the queue. Answered exactly once per clientMsgId.
 */
@Injectable()
export class ChatTurnService {
  constructor(
    private readonly history: HistoryRepository,
    private readonly replies: ReplyBusService,
    private readonly dispatcher: AnswerDispatcher,
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly admission: AdmissionService,
    private readonly limiter: RateLimiter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const stage = (name: string) => metrics.child(metrics.turnStageDuration, { stage: name });
    this.stages = { admission: stage('admission'), enqueue: stage('enqueue'), answer: stage('answer'), writeBack: stage('write_back') };
  }

  /** The stage histogram's four children, looked up once: they are observed on every turn. */
  private readonly stages: Record<'admission' | 'enqueue' | 'answer' | 'writeBack', { observe(seconds: number): void }>;

  async handle(tenant: TenantSnapshot, userId: string, input: ChatTurnInput, requestId: string, options: ChatTurnOptions = {}): Promise<ChatTurnResult> {
    const started = this.clock.now();
    const stageStart = performance.now();
    const { config } = tenant;
    const deadlineAt = started + config.answerDeadlineMs;
    // Admission, every channel alike: the tenant's bucket (a lease, usually no round trip), then the user's bucket and
    // the token's revocation inside the script that opens the turn.
    await this.limiter.admitTenant(tenant.id, config.rateLimit);
    // Shed before anything is stored when the queue lags (see AdmissionService).
    const shed = this.admission.pressure.overloaded;
    if (shed) {
      this.metrics.shed.inc({ mode: config.overloadMode });
      if (config.overloadMode === 'reject') {
        this.limiter.refundTenant(tenant.id);
        throw new DomainError(ErrorCode.Overloaded, 'the service is busy; retry shortly', { retryAfterSec: OVERLOAD_RETRY_AFTER_SEC });
      }
    }
    const begun = await this.history
      .beginTurn(tenant.id, userId, {
        contextTurns: config.contextTurns,
        clientMsgId: input.clientMsgId,
        // The pending claim lives only as long as a turn can take: a gateway that dies mid-turn
        // must not leave the message "in progress" for a day. The answer, once stored, is kept
        // for DEDUP_TTL_SEC by completeTurn.
        dedupTtlSec: Math.ceil(config.answerDeadlineMs / 1000) + PENDING_CLAIM_GRACE_SEC,
        seqTtlSec: config.historyTtlSec,
        admission: {
          tokenIssuedAt: input.tokenIssuedAt,
          userBucket: { perSec: config.rateLimit.userPerMin / 60, burst: config.rateLimit.userBurst },
        },
      })
      .catch((error: Error) => {
        // Redis is unreachable (the client's command timeout fired): nothing was stored, so the
        // client may retry at once; answering a 503 beats hanging until Redis returns.
        this.limiter.refundTenant(tenant.id);
        this.logger.warn({ err: error.message }, 'history unavailable');
        throw new DomainError(ErrorCode.DependencyUnavailable, 'conversation store unavailable, retry shortly', { retryAfterSec: 1 });
      });
    if (begun.kind === 'revoked' || begun.kind === 'rate-limited') {
      // Refused before anything was stored: the tenant's token goes back. A revoked token is refused before the user's
      // own limit is reported.
      this.limiter.refundTenant(tenant.id);
      if (begun.kind === 'revoked') throw new DomainError(ErrorCode.TokenRevoked, 'token has been revoked; request a new one');
      throw RateLimiter.refusal('user', begun.retryAfterMs);
    }
    if (begun.kind === 'duplicate') return this.replayDuplicate(tenant, userId, input.clientMsgId!, begun.stored, deadlineAt);

    const turnId = randomUUID();
    this.stages.admission.observe((performance.now() - stageStart) / 1000);
    const reply = shed ? null : await this.askWorker(tenant, {
      tenantId: tenant.id,
      userId,
      turnId,
      query: input.query,
      history: begun.recent.map(toContextTurn),
      deadlineAt,
      replyTo: this.replies.channel,
      requestId,
      traceparent: LogContexts.current()?.traceparent,
      confidenceThreshold: config.confidenceThreshold,
    }, options);
    const answered = performance.now();
    if (options.signal?.aborted) {
      // The client is gone: nobody will read this turn, so it is not stored, and a retry of the
      // same clientMsgId may run again.
      if (input.clientMsgId) await this.history.releaseClaim(tenant.id, userId, input.clientMsgId).catch(() => undefined);
      throw new DomainError(ErrorCode.ClientClosed, 'the client closed the request');
    }
    const result: ChatTurnResult = reply
      ? { answer: reply.answer ?? config.fallbackText, source: reply.source, confidence: reply.confidence, seq: begun.seq, ...(reply.entryId ? { entryId: reply.entryId } : {}) }
      : { answer: config.fallbackText, source: 'fallback', confidence: 0, seq: begun.seq };

    const at = new Date(this.clock.now()).toISOString();
    try {
      await this.history.completeTurn(
        tenant.id,
        userId,
        // Per tenant (piiMasking.history), the stored turn keeps only the masked text.
        { ...result, ...maskedIf(config.piiMasking.history, input.query, result.answer), at, ...(input.clientMsgId ? { clientMsgId: input.clientMsgId } : {}) },
        { ttlSec: config.historyTtlSec, maxTurns: config.maxTurns },
        input.clientMsgId ? { clientMsgId: input.clientMsgId, response: JSON.stringify(result), ttlSec: DEDUP_TTL_SEC } : undefined,
      );
    } catch (error) {
      if (input.clientMsgId) await this.history.releaseClaim(tenant.id, userId, input.clientMsgId).catch(() => undefined);
      this.logger.error({ err: (error as Error).message }, 'history write failed');
      throw new DomainError(ErrorCode.DependencyUnavailable, 'conversation store unavailable, retry shortly');
    }
    this.stages.writeBack.observe((performance.now() - answered) / 1000);
    const latencyMs = this.clock.now() - started;
    this.audit.recordInBackground({
      tenantId: tenant.id, eventId: turnId, kind: 'turn', actor: userId, userId, seq: result.seq,
      ...maskedIf(config.piiMasking.audit, input.query, result.answer), source: result.source, confidence: result.confidence,
      entryId: result.entryId, latencyMs, at,
    });
    this.metrics.child(this.metrics.turnDuration, { source: result.source }).observe(latencyMs / 1000);
    this.metrics.child(this.metrics.turns, { tenant: tenant.id, source: result.source }).inc();
    const summary = { seq: result.seq, source: result.source, latencyMs };
    if (!LogContexts.summarize(summary)) this.logger.info(summary, 'chat turn');
    return result;
  }

  /** Enqueues the job and waits for the reply until the deadline; null means "answer the fallback". */
  private async askWorker(tenant: TenantSnapshot, payload: AnswerTurnPayload, options: ChatTurnOptions): Promise<AnswerReply | null> {
    const waiter = this.replies.expect(payload.turnId, options.onDelta);
    const aborted = abortPromise(options.signal);
    const asked = performance.now();
    // A tenant with a language model streams its answers: its turns never wait to share a job.
    const turn = this.dispatcher.dispatch(payload, !tenant.config.llm);
    try {
      // BullMQ's connection waits for Redis indefinitely: the enqueue, too, must end at the deadline.
      const enqueued = await raceDeadline(turn.enqueued, payload.deadlineAt - this.clock.now());
      const queued = performance.now();
      this.stages.enqueue.observe((queued - asked) / 1000);
      if (enqueued === DEADLINE_EXCEEDED) return null;
      const reply = await raceDeadline(Promise.race([waiter.reply, aborted.promise]), payload.deadlineAt - this.clock.now());
      this.stages.answer.observe((performance.now() - queued) / 1000);
      if (reply === ABORTED) {
        void this.replies.cancelTurn(payload.turnId).catch(() => undefined);
        return null;
      }
      return reply === DEADLINE_EXCEEDED ? null : reply;
    } catch (error) {
      // The queue is unreachable: the customer still gets the tenant's polite fallback.
      this.logger.warn({ err: (error as Error).message }, 'answer job could not be enqueued');
      return null;
    } finally {
      waiter.cancel();
      turn.settle();
      aborted.dispose();
    }
  }

  /** A retried clientMsgId: return the first answer, waiting for it if it is still being computed. */
  private async replayDuplicate(tenant: TenantSnapshot, userId: string, clientMsgId: string, stored: string, deadlineAt: number): Promise<ChatTurnResult> {
    const giveUpAt = deadlineAt + 1_000;
    let value: string | null = stored;
    while (value === PENDING && this.clock.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, DUPLICATE_POLL_MS));
      value = await this.history.readClaim(tenant.id, userId, clientMsgId);
    }
    if (value === null) throw new DomainError(ErrorCode.Conflict, 'the first attempt of this message failed; send it again');
    if (value === PENDING) throw new DomainError(ErrorCode.TurnInProgress, 'this message is still being answered');
    return JSON.parse(value) as ChatTurnResult;
  }
}

const ABORTED = Symbol('ABORTED');

/** A promise that resolves when the signal aborts (never, without one); dispose removes the listener. */
const abortPromise = (signal?: AbortSignal): { promise: Promise<typeof ABORTED>; dispose: () => void } => {
  if (!signal) return { promise: new Promise(() => undefined), dispose: () => undefined };
  let onAbort = (): void => undefined;
  const promise = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    if (signal.aborted) resolve(ABORTED);
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
};

/** The turn's text as stored: PII-masked when the tenant asks for it there. */
const maskedIf = (mask: boolean, query: string, answer: string): { query: string; answer: string } =>
  mask ? { query: maskPii(query), answer: maskPii(answer) } : { query, answer };

const toContextTurn = (t: StoredTurn): ContextTurn => ({
  seq: t.seq,
  query: t.query,
  answer: t.answer,
  source: t.source,
  ...(t.entryId ? { entryId: t.entryId } : {}),
});

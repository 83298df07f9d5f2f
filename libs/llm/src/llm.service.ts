import { Inject, Injectable } from '@nestjs/common';
import { BrokenCircuitError, BulkheadRejectedError, TaskCancelledError, TimeoutStrategy, timeout } from 'cockatiel';
import { Clock } from '#common';
import { AppConfig } from '#config';
import { LOGGER, type Logger } from '#observability';
import { BreakerRegistry, BulkheadRegistry, DeadlineBudgetExhaustedError, DeadlineRetryPolicy, jitteredBackoff, type BreakerStatus, type DeadlineRetryContext } from '#resilience';
import { ChatCompletionClient, type LlmProvider } from './chat-completion.client.js';
import type { ChatMessage } from './grounded-prompt.js';
import { CallerAbortedError, LlmCallError } from './llm-call.error.js';

/** One generation for one turn. */
export interface LlmRequest {
  tenantId: string;
  provider: LlmProvider;
  messages: ChatMessage[];
  /** Epoch ms (the app clock) by which the answer must be back; the margin is kept here. */
  deadlineAt: number;
  /** Aborted when nobody waits any more (client gone, turn over). */
  signal?: AbortSignal;
  onDelta?: (text: string) => void;
}

/** Why no text came back; the engine falls back to the knowledge base either way. */
export type LlmSkipReason = 'breaker-open' | 'bulkhead-full' | 'no-time' | 'failed' | 'aborted';

export type LlmOutcome = { ok: true; text: string; attempts: number } | { ok: false; reason: LlmSkipReason; attempts: number; streamed: boolean };

const NEVER_ABORTED = new AbortController().signal;

/**
 * Calls tenants' providers inside the turn's deadline: a bulkhead per tenant (excess refused
 * at once), retries with jittered exponential backoff that never start an attempt unable to
 * finish in time, a circuit breaker per (tenant, provider) around each attempt, and a
 * per-attempt timeout of min(provider timeoutMs, time left). It never throws: the outcome
 * says whether there is text, so the caller's fallback chain stays simple.
 */
@Injectable()
export class LlmService {
  private readonly breakers: BreakerRegistry;
  private readonly bulkheads: BulkheadRegistry;

  constructor(
    private readonly client: ChatCompletionClient,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const limits = config.llm;
    this.breakers = new BreakerRegistry({
      consecutiveFailures: limits.breakerFailures,
      halfOpenAfterMs: limits.breakerHalfOpenMs,
      // A turn the client abandoned says nothing about the provider's health.
      ignore: (error) => error instanceof CallerAbortedError,
      onStateChange: (status) => this.logger.warn({ ...status, provider: originOf(status.provider) }, 'llm circuit breaker changed state'),
    });
    this.bulkheads = new BulkheadRegistry(limits.bulkheadPerTenant, 0);
  }

  /** Generates an answer, streaming deltas; bounded by `deadlineAt - deadlineMarginMs`. */
  async generate(request: LlmRequest): Promise<LlmOutcome> {
    const limits = this.config.llm;
    const { tenantId, provider } = request;
    const caller = request.signal ?? NEVER_ABORTED;
    let attempts = 0;
    let streamed = false;
    const onDelta = (text: string): void => {
      streamed = true;
      request.onDelta?.(text);
    };
    const retry = new DeadlineRetryPolicy({
      deadlineAt: request.deadlineAt - limits.deadlineMarginMs,
      now: () => this.clock.now(),
      maxAttempts: limits.maxAttempts,
      minAttemptMs: limits.minAttemptMs,
      backoff: jitteredBackoff(limits.retryBaseMs, limits.retryMaxMs),
      // Once text reached the client a retry would repeat it: only silent failures are retried.
      isRetryable: (error) => !streamed && isRetryable(error),
    });
    const breaker = this.breakers.get(tenantId, provider.baseUrl);
    const attempt = ({ remainingMs }: DeadlineRetryContext): Promise<string> =>
      breaker.execute(async () => {
        attempts++;
        try {
          return await timeout(Math.min(provider.timeoutMs, remainingMs), TimeoutStrategy.Aggressive).execute(
            ({ signal }) => this.client.complete(provider, request.messages, { signal, onDelta }),
            caller,
          );
        } catch (error) {
          throw caller.aborted ? new CallerAbortedError() : error;
        }
      });
    try {
      const text = await this.bulkheads.get(tenantId).execute(() => retry.execute(attempt, caller), caller);
      return { ok: true, text, attempts };
    } catch (error) {
      const reason = skipReason(error);
      const log = reason === 'failed' ? this.logger.warn.bind(this.logger) : this.logger.info.bind(this.logger);
      log({ provider: originOf(provider.baseUrl), reason, attempts, ...describe(error) }, 'llm answer unavailable; falling back');
      return { ok: false, reason, attempts, streamed };
    }
  }

  /** Every (tenant, provider) breaker and its state, for metrics. */
  breakerStates(): BreakerStatus[] {
    return this.breakers.states();
  }
}

const isRetryable = (error: unknown): boolean =>
  (error instanceof LlmCallError && error.retryable) || error instanceof TaskCancelledError; // an attempt timed out

const skipReason = (error: unknown): LlmSkipReason => {
  if (error instanceof BrokenCircuitError) return 'breaker-open';
  if (error instanceof BulkheadRejectedError) return 'bulkhead-full';
  if (error instanceof DeadlineBudgetExhaustedError) return 'no-time';
  if (error instanceof CallerAbortedError) return 'aborted';
  return 'failed';
};

/** Loggable facts about a failure: kind and status, never a message that could carry data. */
const describe = (error: unknown): Record<string, unknown> => {
  if (error instanceof LlmCallError) return { kind: error.kind, ...(error.status ? { status: error.status } : {}), err: error.message };
  if (error instanceof TaskCancelledError) return { kind: 'timeout' };
  return { kind: (error as Error)?.name ?? 'unknown' };
};

/** Base URLs are logged by origin only: a path or query could carry a credential. */
const originOf = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid-url';
  }
};

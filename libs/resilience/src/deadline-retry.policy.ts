import {
  EventEmitter,
  ExponentialBackoff,
  decorrelatedJitterGenerator,
  type IBackoff,
  type IBackoffFactory,
  type IFailureEvent,
  type IPolicy,
  type IRetryBackoffContext,
  type IRetryContext,
  type ISuccessEvent,
} from 'cockatiel';

const NEVER_ABORTED = new AbortController().signal;

/** Thrown when not even the first attempt has time to finish before the deadline. */
export class DeadlineBudgetExhaustedError extends Error {
  constructor(remainingMs: number) {
    super(`no time left for an attempt (${Math.max(0, Math.round(remainingMs))} ms before the deadline)`);
    this.name = 'DeadlineBudgetExhaustedError';
  }
}

export interface DeadlineRetryOptions {
  /** Epoch ms, on the `now` clock, by which every attempt must have finished. */
  deadlineAt: number;
  now: () => number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** No attempt starts with less time than this left before the deadline. */
  minAttemptMs: number;
  /** Which failures deserve another attempt (the caller decides: 5xx yes, 4xx no, …). */
  isRetryable: (error: unknown) => boolean;
  /** Delay before each retry; defaults to exponential backoff with decorrelated jitter. */
  backoff?: IBackoffFactory<IRetryBackoffContext<unknown>>;
}

/** What each attempt is told: its number and how long it may take at most. */
export interface DeadlineRetryContext extends IRetryContext {
  remainingMs: number;
}

/** Exponential backoff with jitter, as cockatiel builds it (decorrelated, Polly's "V2"). */
export const jitteredBackoff = (initialDelayMs: number, maxDelayMs: number): IBackoffFactory<IRetryBackoffContext<unknown>> =>
  new ExponentialBackoff({ initialDelay: initialDelayMs, maxDelay: maxDelayMs, generator: decorrelatedJitterGenerator });

/**
 * Retries inside a deadline, as a cockatiel policy (composes with `wrap`). cockatiel's own
 * retry cannot do this: its backoff can neither veto an attempt nor be interrupted, so a late
 * retry would sleep past the deadline. Here an attempt starts only when at least
 * `minAttemptMs` remain after the backoff, the wait is cut short when the signal aborts, and
 * each attempt learns `remainingMs` to size its own timeout. Giving up rethrows the last error.
 */
export class DeadlineRetryPolicy implements IPolicy<DeadlineRetryContext> {
  declare readonly _altReturn: never;
  private readonly successes = new EventEmitter<ISuccessEvent>();
  private readonly failures = new EventEmitter<IFailureEvent>();
  readonly onSuccess = this.successes.addListener;
  readonly onFailure = this.failures.addListener;

  constructor(private readonly options: DeadlineRetryOptions) {}

  async execute<T>(fn: (context: DeadlineRetryContext) => PromiseLike<T> | T, signal: AbortSignal = NEVER_ABORTED): Promise<T> {
    const { deadlineAt, now, maxAttempts, minAttemptMs, isRetryable } = this.options;
    const factory = this.options.backoff ?? jitteredBackoff(100, 1_000);
    let backoff: IBackoff<IRetryBackoffContext<unknown>> | undefined;
    for (let attempt = 0; ; attempt++) {
      const remainingMs = deadlineAt - now();
      if (remainingMs < minAttemptMs) throw new DeadlineBudgetExhaustedError(remainingMs);
      const started = now();
      try {
        const value = await fn({ attempt, signal, remainingMs });
        this.successes.emit({ duration: now() - started });
        return value;
      } catch (error) {
        const retry = !signal.aborted && attempt + 1 < maxAttempts && isRetryable(error);
        this.failures.emit({ duration: now() - started, handled: retry, reason: { error: error as Error } });
        if (!retry) throw error;
        const context: IRetryBackoffContext<unknown> = { attempt: attempt + 1, signal, result: { error: error as Error } };
        backoff = backoff ? backoff.next(context) : factory.next(context);
        // The next attempt could not finish in time: give up now rather than after a useless wait.
        if (now() + backoff.duration + minAttemptMs > deadlineAt) throw error;
        if (!(await sleep(backoff.duration, signal))) throw error;
      }
    }
  }
}

/** Resolves true after `ms`, or false as soon as the signal aborts. */
const sleep = (ms: number, signal: AbortSignal): Promise<boolean> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

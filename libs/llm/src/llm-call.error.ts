/** How a provider call failed; decides retrying and what the logs say (never the key or prompt). */
export type LlmFailureKind = 'network' | 'http' | 'malformed' | 'aborted';

/** A failed call to a provider. */
export class LlmCallError extends Error {
  constructor(
    readonly kind: LlmFailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmCallError';
  }

  /** Network errors, 5xx, 408 and 429 may pass on another attempt; other 4xx and garbage will not. */
  get retryable(): boolean {
    if (this.kind === 'network') return true;
    if (this.kind !== 'http' || this.status === undefined) return false;
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }
}

/** The turn no longer wants the answer (client gone or turn over): not the provider's fault. */
export class CallerAbortedError extends Error {
  constructor() {
    super('the caller stopped waiting');
    this.name = 'CallerAbortedError';
  }
}

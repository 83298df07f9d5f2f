import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';

export type BreakerStateName = 'closed' | 'open' | 'half-open' | 'isolated';

/** One breaker's state, as metrics and health pages show it. */
export interface BreakerStatus {
  tenantId: string;
  provider: string;
  state: BreakerStateName;
}

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  consecutiveFailures: number;
  /** Time an open breaker rejects calls before one test call may go through (half-open). */
  halfOpenAfterMs: number;
  /** Failures that must not count, e.g. the caller gave up; they pass through untouched. */
  ignore?: (error: Error) => boolean;
  /** Called on every state change (logging, metrics). */
  onStateChange?: (status: BreakerStatus) => void;
}

const STATE_NAMES: Record<CircuitState, BreakerStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

interface Entry {
  tenantId: string;
  provider: string;
  policy: CircuitBreakerPolicy;
}

/**
 * One cockatiel circuit breaker per (tenant, provider), created on first use and kept for the
 * process's life: one tenant's failing provider never trips another tenant's calls, and a
 * tenant with two providers can lose one without the other.
 */
export class BreakerRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: BreakerOptions) {}

  /** The breaker guarding `provider` for `tenantId`. */
  get(tenantId: string, provider: string): CircuitBreakerPolicy {
    const key = `${tenantId}\u0000${provider}`;
    let entry = this.entries.get(key);
    if (!entry) {
      const { ignore, onStateChange } = this.options;
      const policy = circuitBreaker(handleWhen((error) => !ignore?.(error)), {
        halfOpenAfter: this.options.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(this.options.consecutiveFailures),
      });
      if (onStateChange) policy.onStateChange((state) => onStateChange({ tenantId, provider, state: STATE_NAMES[state] }));
      entry = { tenantId, provider, policy };
      this.entries.set(key, entry);
    }
    return entry.policy;
  }

  /**
   * Every breaker's state. An open breaker whose half-open time has come still reads `open`
   * until the next call tests the provider (cockatiel moves on demand, not on a timer).
   */
  states(): BreakerStatus[] {
    return [...this.entries.values()].map(({ tenantId, provider, policy }) => ({ tenantId, provider, state: STATE_NAMES[policy.state] }));
  }
}

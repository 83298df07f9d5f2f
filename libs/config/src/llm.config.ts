import type { EnvReader } from './env-reader.js';

/**
 * How the worker guards calls to tenants' language-model providers. The per-tenant settings
 * (provider URL, model, timeout) live in the tenant config; these are the platform's limits.
 */
export interface LlmConfig {
  /** Consecutive failures that open a (tenant, provider) circuit breaker. */
  breakerFailures: number;
  /** How long an open breaker rejects calls before letting one test call through. */
  breakerHalfOpenMs: number;
  /** Concurrent provider calls per tenant; more are refused at once (answered from the KB). */
  bulkheadPerTenant: number;
  /** Attempts per turn, the first included; retries never outlive the turn's deadline. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt, with jitter, capped by `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** The engine answers this long before the turn's deadline, leaving time to publish the reply. */
  deadlineMarginMs: number;
  /** No attempt starts with less time than this left before (deadline - margin). */
  minAttemptMs: number;
  /** Keep-alive connections per provider base URL (one pool per URL, shared by all turns). */
  connectionsPerProvider: number;
}

export const readLlmConfig = (env: EnvReader): LlmConfig => ({
  breakerFailures: env.int('LLM_BREAKER_FAILURES', 5, 1, 1000),
  breakerHalfOpenMs: env.int('LLM_BREAKER_HALF_OPEN_MS', 30_000, 10, 3_600_000),
  bulkheadPerTenant: env.int('LLM_BULKHEAD_PER_TENANT', 20, 1, 10_000),
  maxAttempts: env.int('LLM_MAX_ATTEMPTS', 3, 1, 20),
  retryBaseMs: env.int('LLM_RETRY_BASE_MS', 100, 1, 60_000),
  retryMaxMs: env.int('LLM_RETRY_MAX_MS', 1_000, 1, 60_000),
  deadlineMarginMs: env.int('LLM_DEADLINE_MARGIN_MS', 100, 0, 10_000),
  minAttemptMs: env.int('LLM_MIN_ATTEMPT_MS', 100, 1, 60_000),
  connectionsPerProvider: env.int('LLM_CONNECTIONS_PER_PROVIDER', 64, 1, 10_000),
});

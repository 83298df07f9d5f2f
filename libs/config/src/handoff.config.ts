import type { EnvReader } from './env-reader.js';

/** Delivery of handoff webhooks (the `handoff` queue). */
export interface HandoffConfig {
  /** Delivery attempts, the first included, on network errors and 5xx; a 4xx stops at once. */
  webhookAttempts: number;
  /** First retry delay; BullMQ doubles it per attempt. */
  webhookBackoffMs: number;
  /** One delivery attempt's time limit. */
  webhookTimeoutMs: number;
}

export const readHandoffConfig = (env: EnvReader): HandoffConfig => ({
  webhookAttempts: env.int('HANDOFF_WEBHOOK_ATTEMPTS', 8, 1, 50),
  webhookBackoffMs: env.int('HANDOFF_WEBHOOK_BACKOFF_MS', 2_000, 1, 3_600_000),
  webhookTimeoutMs: env.int('HANDOFF_WEBHOOK_TIMEOUT_MS', 5_000, 100, 60_000),
});

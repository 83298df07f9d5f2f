import { describe, expect, it } from '@jest/globals';
import type { MinimalJob } from 'bullmq';
import { AUDIT_RETRY, auditRetryDelay } from './audit-retry.js';

const jobWithDelay = (delay: number): MinimalJob => ({ opts: { backoff: { type: AUDIT_RETRY.type, delay } } }) as unknown as MinimalJob;
const samples = (attemptsMade: number, job?: MinimalJob): number[] => Array.from({ length: 200 }, () => auditRetryDelay(attemptsMade, AUDIT_RETRY.type, undefined, job));

describe('auditRetryDelay', () => {
  it('doubles from the base delay, with jitter between half and all of it', () => {
    for (const [attempt, ceiling] of [[1, 500], [2, 1_000], [5, 8_000]] as const) {
      const delays = samples(attempt);
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(ceiling / 2);
      expect(Math.max(...delays)).toBeLessThanOrEqual(ceiling);
      // Jittered, not one value: a backlog must not retry in step.
      expect(new Set(delays).size).toBeGreaterThan(50);
    }
  });

  it('never waits more than the ceiling, however many attempts were made', () => {
    for (const attempt of [8, 20, 100, AUDIT_RETRY.attempts]) {
      const delays = samples(attempt);
      expect(Math.max(...delays)).toBeLessThanOrEqual(AUDIT_RETRY.maxMs);
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(AUDIT_RETRY.maxMs / 2);
    }
  });

  it("starts from the job's own backoff delay when it has one", () => {
    const delays = samples(1, jobWithDelay(10_000));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(5_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(10_000);
  });

  it('keeps a job retrying through at least 16 hours of outage before it fails for good', () => {
    // The shortest possible schedule: every delay at the low end of its jitter.
    let leastMs = 0;
    for (let attempt = 1; attempt < AUDIT_RETRY.attempts; attempt++) leastMs += Math.min(AUDIT_RETRY.maxMs, AUDIT_RETRY.baseMs * 2 ** (attempt - 1)) / 2;
    expect(leastMs).toBeGreaterThan(16 * 3_600_000);
  });
});

import type { MinimalJob } from 'bullmq';

/**
 * How audit jobs retry while Postgres cannot be written. The records wait in their jobs, so the schedule decides how
 * soon the trail catches up and how hard a long outage is knocked on. BullMQ's exponential backoff has no ceiling:
 * after an hour's outage a job's next try was another hour away. Here the delay doubles from `baseMs` up to `maxMs`,
 * with jitter so that a backlog does not retry in step, and `attempts` covers about a day at the ceiling. When writes
 * succeed again the worker promotes the delayed jobs at once (see RecordAuditProcessor), so the ceiling only bounds
 * the catch-up when nothing else is written.
 */
export const AUDIT_RETRY = { type: 'audit', baseMs: 500, maxMs: 60_000, attempts: 2_000 } as const;

/**
 * BullMQ backoff strategy for `AUDIT_RETRY.type`: the n-th retry waits between half and all of
 * min(maxMs, delay × 2^(n−1)), `delay` being the job's own backoff delay (`AUDIT_RETRY.baseMs` by default).
 */
export const auditRetryDelay = (attemptsMade: number, _type?: string, _err?: Error, job?: MinimalJob): number => {
  const backoff = job?.opts.backoff;
  const base = typeof backoff === 'object' && backoff.delay !== undefined ? backoff.delay : AUDIT_RETRY.baseMs;
  const ceiling = Math.min(AUDIT_RETRY.maxMs, base * 2 ** Math.min(Math.max(attemptsMade - 1, 0), 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
};

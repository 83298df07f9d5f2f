import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { QueueName } from '#queue';
import { MetricsService } from './metrics.service.js';

/** Queue depth by state and the queue's lag (see `queueLagMs`), read from Redis at scrape time. */
@Injectable()
export class QueueMetricsService implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    @InjectQueue(QueueName.Answer) private readonly answer: Queue,
    @InjectQueue(QueueName.Audit) private readonly audit: Queue,
  ) {}

  onModuleInit(): void {
    const queues = [this.answer, this.audit];
    this.metrics.gauge('fengda_queue_jobs', 'Jobs per queue and state', ['queue', 'state'], (gauge) =>
      readOrDrop(gauge, async () => {
        for (const queue of queues) {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
          for (const [state, count] of Object.entries(counts)) gauge.set({ queue: queue.name, state }, count);
        }
      }),
    );
    this.metrics.gauge('fengda_queue_oldest_waiting_seconds', 'Queue lag: age of the oldest waiting job no worker has started yet', ['queue'], (gauge) =>
      readOrDrop(gauge, async () => {
        for (const queue of queues) gauge.set({ queue: queue.name }, (await queueLagMs(queue)) / 1000);
      }),
    );
  }
}

/** Longest a scrape waits for the queues' figures. */
const QUEUE_READ_TIMEOUT_MS = 1_000;

/**
 * Reads the queues into `gauge`, bounded in time. BullMQ's connections wait for Redis without limit, so while Redis is
 * unreachable a scrape would hang, the target would look down and the process's other series would be lost just when
 * they matter. Instead the queue series are left out of that scrape (absent, not stale) and the rest is served.
 */
const readOrDrop = async (gauge: { reset(): void }, read: () => Promise<void>): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), QUEUE_READ_TIMEOUT_MS)));
  gauge.reset();
  // A read that fails or ends after the timeout settles this promise only: nothing is left unhandled.
  const reading = read().then(
    () => 'read' as const,
    () => 'failed' as const,
  );
  const outcome = await Promise.race([reading, timeout]);
  clearTimeout(timer);
  if (outcome !== 'read') gauge.reset();
};

/** Pages read from the head of the wait list while looking past jobs started before: 1, then 15, then 112 jobs. */
const LAG_SCAN_PAGES = [1, 15, 112];

/** Whether a worker has had the job before: its stalled check took it back from a dead worker, or it is a retry. */
export const startedBefore = (job: Pick<Job, 'processedOn' | 'attemptsStarted'>): boolean => Boolean(job.processedOn) || (job.attemptsStarted ?? 0) > 0;

/**
 * The queue's lag: how long the job a worker takes next has waited, counting only jobs no worker
 * has started yet (0 when none waits). `getWaiting(0, n)` lists the wait list oldest first (BullMQ
 * adds jobs on the left and workers take them from the right). A job that BullMQ's stalled check
 * took back from a dead worker goes back to the head of that list with its first enqueue time:
 * read as lag, one such job would look as old as the worker's lock and stalled interval (tens of
 * seconds) although the queue keeps nothing waiting. It is skipped, like a retried job; beyond
 * 128 such jobs in a row the lag reads 0 until workers have taken them (they are taken first).
 */
export const queueLagMs = async (queue: Queue, now: () => number = Date.now): Promise<number> => {
  let from = 0;
  for (const size of LAG_SCAN_PAGES) {
    const jobs = await queue.getWaiting(from, from + size - 1);
    const next = jobs.find((job) => !startedBefore(job));
    if (next) return Math.max(0, now() - next.timestamp);
    if (jobs.length < size) return 0;
    from += size;
  }
  return 0;
};

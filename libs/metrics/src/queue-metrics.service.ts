import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QueueName } from '#queue';
import { MetricsService } from './metrics.service.js';

/** Queue depth by state and the age of the oldest waiting job, read from Redis at scrape time. */
@Injectable()
export class QueueMetricsService implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    @InjectQueue(QueueName.Answer) private readonly answer: Queue,
    @InjectQueue(QueueName.Audit) private readonly audit: Queue,
  ) {}

  onModuleInit(): void {
    const queues = [this.answer, this.audit];
    this.metrics.gauge('fengda_queue_jobs', 'Jobs per queue and state', ['queue', 'state'], async (gauge) => {
      for (const queue of queues) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
        for (const [state, count] of Object.entries(counts)) gauge.set({ queue: queue.name, state }, count);
      }
    });
    this.metrics.gauge('fengda_queue_oldest_waiting_seconds', 'Age of the oldest waiting job (queue lag)', ['queue'], async (gauge) => {
      for (const queue of queues) gauge.set({ queue: queue.name }, (await oldestWaitingAgeMs(queue)) / 1000);
    });
  }
}

/** Age of the oldest job in the wait list, ms (0 when empty). BullMQ pushes on the left, so the oldest is last. */
export const oldestWaitingAgeMs = async (queue: Queue): Promise<number> => {
  const [oldest] = await queue.getWaiting(-1, -1);
  return oldest ? Math.max(0, Date.now() - oldest.timestamp) : 0;
};

import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '#config';
import { queueLagMs } from '#metrics';
import { LOGGER, type Logger } from '#observability';
import { QueueName } from '#queue';

/** The answer queue's state as last sampled. */
export interface QueuePressure {
  lagMs: number;
  depth: number;
  overloaded: boolean;
}

const SAMPLE_EVERY_MS = 250;

/**
 * Admission control in front of the answer queue. The queue absorbs bursts, but once its
 * oldest job has waited longer than the threshold, or too many wait, accepting more turns
 * only makes every answer late: new turns are shed instead. The queue is sampled in the
 * background (two Redis reads every 250 ms), so a turn's check costs nothing. The lag counts
 * only jobs no worker has started: a dead worker's job that BullMQ hands back is not new work
 * waiting (see `queueLagMs`).
 */
@Injectable()
export class AdmissionService implements OnModuleInit, OnApplicationShutdown {
  private state: QueuePressure = { lagMs: 0, depth: 0, overloaded: false };
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectQueue(QueueName.Answer) private readonly queue: Queue,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sample().catch(() => undefined), SAMPLE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  get pressure(): QueuePressure {
    return this.state;
  }

  /** Reads the queue now (also used by tests to avoid waiting for the next sample). */
  async sample(): Promise<QueuePressure> {
    const [depth, lagMs] = await Promise.all([this.queue.getWaitingCount(), queueLagMs(this.queue)]);
    const { admissionMaxLagMs, admissionMaxDepth } = this.config.runtime;
    const overloaded = lagMs > admissionMaxLagMs || depth > admissionMaxDepth;
    if (overloaded !== this.state.overloaded) this.logger.warn({ lagMs, depth, overloaded }, overloaded ? 'answer queue lagging: shedding new turns' : 'answer queue recovered');
    this.state = { lagMs, depth, overloaded };
    return this.state;
  }
}

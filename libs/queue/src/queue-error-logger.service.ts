import { getQueueToken, WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import type { Queue, Worker } from 'bullmq';
import { LOGGER, RepeatThrottle, type Logger } from '#observability';
import { QueueName } from './job-contracts.js';

/** The same error from one queue or worker is logged at most once per this long (with how often it recurred). */
const REPEAT_WINDOW_MS = 5_000;

/**
 * Logs the connection errors of every BullMQ queue and worker of the app as JSON lines. BullMQ emits them as `error`
 * events; with no listener it catches the EventEmitter's throw and `console.error`s the whole Error — multi-line,
 * outside the JSON log, hundreds of lines in a few seconds of Redis outage. An outage repeats the same error on every
 * reconnect attempt, so repeats within REPEAT_WINDOW_MS are counted and reported with the next line.
 */
@Injectable()
export class QueueErrorLogger implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly moduleRef: ModuleRef,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    for (const name of Object.values(QueueName)) {
      let queue: Queue;
      try {
        queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      } catch {
        continue;
      }
      this.watch(queue as unknown as NodeJS.EventEmitter, { queue: name, role: 'producer' });
    }
    for (const wrapper of this.discovery.getProviders()) {
      if (!(wrapper.instance instanceof WorkerHost)) continue;
      let worker: Worker;
      try {
        worker = wrapper.instance.worker;
      } catch {
        continue; // a processor whose worker was not started
      }
      this.watch(worker as unknown as NodeJS.EventEmitter, { queue: worker.name, role: 'worker' });
    }
  }

  private watch(emitter: Pick<NodeJS.EventEmitter, 'on'>, fields: { queue: string; role: 'producer' | 'worker' }): void {
    const throttle = new RepeatThrottle(REPEAT_WINDOW_MS);
    emitter.on('error', (error: Error) => {
      const repeats = throttle.admit(error.message);
      if (repeats) this.logger.warn({ ...fields, err: error.message, ...repeats }, 'queue connection error');
    });
  }
}

import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '#config';
import { LOGGER, type Logger } from '#observability';
import { JobName, QueueName, type NotifyHandoffPayload } from '#queue';

/** Hands conversations to the tenant's human agents through the `handoff` queue. */
@Injectable()
export class HandoffService {
  constructor(
    @InjectQueue(QueueName.Handoff) private readonly queue: Queue<NotifyHandoffPayload>,
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Queues the webhook delivery without waiting for Redis: the customer's reply never waits
   * for the tenant's agent desk. The job id makes a re-run of the same turn a no-op.
   */
  notifyInBackground(payload: NotifyHandoffPayload): void {
    const { webhookAttempts, webhookBackoffMs } = this.config.handoff;
    this.queue
      .add(JobName.NotifyHandoff, payload, {
        jobId: `handoff-${payload.tenantId}-${payload.handoffId}`,
        attempts: webhookAttempts,
        backoff: { type: 'exponential', delay: webhookBackoffMs },
      })
      .catch((error: Error) => this.logger.error({ err: error.message, handoffId: payload.handoffId }, 'handoff webhook could not be queued'));
  }
}

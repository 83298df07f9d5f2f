import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { HandoffWebhookSender } from '#handoff';
import { LogContexts } from '#observability';
import { JobName, QueueName, type NotifyHandoffPayload } from '#queue';

/**
 * Delivers handoff webhooks. A thrown error makes BullMQ retry with the job's exponential
 * backoff; the sender throws UnrecoverableError for answers that retrying cannot fix (4xx).
 */
@Processor(QueueName.Handoff, { concurrency: 20 })
export class NotifyHandoffProcessor extends WorkerHost {
  constructor(private readonly sender: HandoffWebhookSender) {
    super();
  }

  async process(job: Job<NotifyHandoffPayload>): Promise<void> {
    if (job.name !== JobName.NotifyHandoff) throw new Error(`no handler for job ${job.name}`);
    await LogContexts.run({ tenantId: job.data.tenantId, jobId: job.id }, () => this.sender.deliver(job.data, job.attemptsMade + 1));
  }
}

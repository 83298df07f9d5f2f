import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '#config';
import { QueueName } from './job-contracts.js';

/** The `{prefix}` hash tag keeps every key of one queue in one Redis Cluster slot. */
export const bullPrefix = (config: AppConfig): string => `{${config.redis.prefix}:bull}`;

const registered = BullModule.registerQueue(
  {
    name: QueueName.Answer,
    defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 1000 } },
  },
  {
    name: QueueName.Audit,
    // Audit records must reach Postgres even across an outage: retry for a long time.
    defaultJobOptions: {
      attempts: 50,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: true,
      removeOnFail: false,
    },
  },
  {
    name: QueueName.Handoff,
    // Attempts and backoff are set per job from AppConfig.handoff; a 4xx ends retries early.
    defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: 1000 } },
  },
  {
    name: QueueName.Maintenance,
    // Housekeeping is idempotent: a failed run retries a few times, and the next hour's run
    // picks up whatever is left anyway.
    defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 10_000 }, removeOnComplete: true, removeOnFail: { count: 100 } },
  },
);

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // No auto-pipelining here: ioredis builds a Pipeline per tick and copies every defined Lua script onto it
        // (BullMQ defines ~50), which cost more CPU in profiles than the socket writes it saved.
        connection: { url: config.redis.url, protocol: 2, maxRetriesPerRequest: null, enableAutoPipelining: false },
        prefix: bullPrefix(config),
      }),
    }),
    registered,
  ],
  exports: [registered],
})
export class QueueModule {}

import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '#config';
import { AUDIT_RETRY } from './audit-retry.js';
import { QueueName } from './job-contracts.js';
import { QueueErrorLogger } from './queue-error-logger.service.js';

/** The `{prefix}` hash tag keeps every key of one queue in one Redis Cluster slot. */
export const bullPrefix = (config: AppConfig): string => `{${config.redis.prefix}:bull}`;

/**
 * Lock and stalled-job settings of the `answer` and `audit` workers. A worker holds a lock on
 * each job it runs and renews it every `lockRenewTime`; when a worker dies, BullMQ's stalled
 * check (every `stalledInterval`, one worker per interval) hands its jobs back once their locks
 * have expired. BullMQ's defaults (30 s lock renewed every 15 s, checked every 30 s) left a dead
 * worker's jobs `active`, and its turns' audit records unwritten, for 30–60 s; these take them
 * back 8–15 s after the death. A live worker keeps its locks through 8 s without a renewal (an
 * event loop blocked that long: a 10,000-entry index builds in under a second; or Redis unreachable that
 * long); past that its jobs run again, which is harmless here: an answer past its deadline is
 * dropped and a second reply ignored by the gateway, an audit insert is idempotent (event id).
 */
export const JOB_LOCKS = { lockDuration: 10_000, lockRenewTime: 2_000, stalledInterval: 5_000 } as const;

/**
 * An audit job may be handed back more often than BullMQ's default once before it fails for good:
 * running it again cannot write a row twice, and the record must reach Postgres.
 */
export const AUDIT_MAX_STALLED = 5;

const registered = BullModule.registerQueue(
  {
    name: QueueName.Answer,
    defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 1000 } },
  },
  {
    name: QueueName.Audit,
    // Audit records must reach Postgres even across an outage: retry for about a day, at most a minute apart.
    defaultJobOptions: {
      attempts: AUDIT_RETRY.attempts,
      backoff: { type: AUDIT_RETRY.type, delay: AUDIT_RETRY.baseMs },
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
    DiscoveryModule,
  ],
  providers: [QueueErrorLogger],
  exports: [registered],
})
export class QueueModule {}

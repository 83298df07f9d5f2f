import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { AnswerEngineService } from '#answer-engine';
import { Clock } from '#common';
import { AppConfig } from '#config';
import { MetricsService } from '#metrics';
import { continueTrace, LOGGER, LogContexts, type Logger } from '#observability';
import { JOB_LOCKS, JobName, QueueName, type AnswerTurnPayload, type ReplyMessage } from '#queue';
import { RedisService } from '#redis';
import { TurnCancellations } from './turn-cancellations.service.js';

/**
 * Answers one chat turn and publishes the reply to the gateway instance that waits for it.
 * A job whose deadline has passed is dropped: the customer already got the fallback (so is a dead
 * worker's job when BullMQ hands it back, see JOB_LOCKS).
 */
@Processor(QueueName.Answer, { ...JOB_LOCKS })
export class AnswerTurnProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly engine: AnswerEngineService,
    private readonly redis: RedisService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly cancellations: TurnCancellations,
    private readonly metrics: MetricsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.runtime.workerConcurrency;
  }

  async process(job: Job<AnswerTurnPayload>): Promise<void> {
    if (job.name !== JobName.AnswerTurn) throw new Error(`no handler for job ${job.name}`);
    const data = job.data;
    // The worker is the next hop of the gateway's trace: same trace id in both apps' logs.
    const trace = continueTrace(data.traceparent);
    const started = performance.now();
    await LogContexts.run({ tenantId: data.tenantId, requestId: data.requestId, jobId: job.id, traceId: trace.traceId }, async () => {
      if (this.clock.now() >= data.deadlineAt) {
        this.metrics.droppedJobs.inc();
        this.logger.info({ lateMs: this.clock.now() - data.deadlineAt }, 'answer job past its deadline; dropped');
        return;
      }
      const turn = this.cancellations.track(data.turnId, data.deadlineAt, this.clock.now());
      const publish = (message: ReplyMessage): Promise<number> => this.redis.client.publish(data.replyTo, JSON.stringify(message));
      let result;
      try {
        result = await this.engine.answer({
          tenantId: data.tenantId,
          userId: data.userId,
          query: data.query,
          history: data.history,
          threshold: data.confidenceThreshold,
          signal: turn.signal,
          deadlineAt: data.deadlineAt,
          turnId: data.turnId,
          onDelta: (text) => void publish({ kind: 'delta', turnId: data.turnId, text }).catch(() => undefined),
        });
      } finally {
        turn.done();
      }
      const reply: ReplyMessage = {
        kind: 'final',
        turnId: data.turnId,
        answer: result.answer,
        source: result.source,
        confidence: result.confidence,
        ...(result.entryId ? { entryId: result.entryId } : {}),
      };
      await publish(reply);
      this.metrics.jobDuration.observe({ queue: QueueName.Answer, outcome: result.source }, (performance.now() - started) / 1000);
      this.logger.debug({ source: result.source }, 'answer job done');
    });
  }
}

import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { AnswerEngineService } from '#answer-engine';
import { Clock } from '#common';
import { AppConfig } from '#config';
import { MetricsService } from '#metrics';
import { continueTrace, LOGGER, LogContexts, type Logger } from '#observability';
import { JOB_LOCKS, JobName, QueueName, type AnswerBatchPayload, type AnswerTurnPayload, type ReplyMessage } from '#queue';
import { RedisService } from '#redis';
import { TurnCancellations } from './turn-cancellations.service.js';

/**
 * Answers chat turns (one per AnswerTurn job, several, of one or more tenants, per AnswerBatch job) and publishes each reply to
 * the gateway instance that waits for it.
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

  async process(job: Job<AnswerTurnPayload | AnswerBatchPayload>): Promise<void> {
    if (job.name === JobName.AnswerTurn) {
      const data = job.data as AnswerTurnPayload;
      return this.answerTurn(job.id, data, (message) => this.redis.client.publish(data.replyTo, JSON.stringify(message)));
    }
    if (job.name === JobName.AnswerBatch) {
      const { turns } = job.data as AnswerBatchPayload;
      if (!Array.isArray(turns) || !turns.every(isTurnOfSomeTenant)) throw new UnrecoverableError('an answer batch must be a list of turns, each naming its tenant');
      const outbox = new ReplyOutbox(this.redis.client);
      // One turn failing does not stop the others; the job then fails as a single turn's would.
      const outcomes = await Promise.allSettled(turns.map((turn) => this.answerTurn(job.id, turn, (message) => outbox.publish(turn.replyTo, message))));
      const failed = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
      return;
    }
    throw new Error(`no handler for job ${job.name}`);
  }

  private async answerTurn(jobId: string | undefined, data: AnswerTurnPayload, publish: (message: ReplyMessage) => Promise<unknown>): Promise<void> {
    // The worker is the next hop of the gateway's trace: same trace id in both apps' logs.
    const trace = continueTrace(data.traceparent);
    const started = performance.now();
    await LogContexts.run({ tenantId: data.tenantId, requestId: data.requestId, jobId, traceId: trace.traceId }, async () => {
      if (this.clock.now() >= data.deadlineAt) {
        this.metrics.droppedJobs.inc();
        this.logger.info({ lateMs: this.clock.now() - data.deadlineAt }, 'answer job past its deadline; dropped');
        return;
      }
      const turn = this.cancellations.track(data.turnId, data.deadlineAt, this.clock.now());
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
      this.metrics.child(this.metrics.jobDuration, { queue: QueueName.Answer, outcome: result.source }).observe((performance.now() - started) / 1000);
      this.logger.debug({ source: result.source }, 'answer job done');
    });
  }
}

/** A batch's turn names its own tenant: the worker answers, logs and audits it as that tenant's, never the batch's. */
const isTurnOfSomeTenant = (turn: AnswerTurnPayload | null | undefined): boolean => typeof turn?.tenantId === 'string' && turn.tenantId !== '';

/**
 * The replies of one batch job: messages for one channel published in the same event-loop turn leave as one array
 * message (one PUBLISH, one message for the gateway to parse), in order.
 */
class ReplyOutbox {
  private readonly queued = new Map<string, { messages: ReplyMessage[]; sent: Promise<number> }>();

  constructor(private readonly client: Redis) {}

  publish(channel: string, message: ReplyMessage): Promise<number> {
    let entry = this.queued.get(channel);
    if (!entry) {
      const messages: ReplyMessage[] = [];
      const sent = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.queued.delete(channel);
        return this.client.publish(channel, JSON.stringify(messages));
      });
      entry = { messages, sent };
      this.queued.set(channel, entry);
    }
    entry.messages.push(message);
    return entry.sent;
  }
}

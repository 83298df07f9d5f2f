import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '#config';
import { JobName, QueueName, type AnswerBatchPayload, type AnswerTurnPayload } from '#queue';

/** A turn handed to the dispatcher: `enqueued` settles when its job is in the queue (or could not be added). */
export interface DispatchedTurn {
  readonly enqueued: Promise<void>;
  /** Call exactly once, when the gateway stops waiting for the turn's answer (answered, deadline, client gone). */
  readonly settle: () => void;
}

interface WaitingTurn {
  payload: AnswerTurnPayload;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** One tenant's turns on this gateway: those waiting to be sent, and how many of its jobs are unanswered. */
interface Lane {
  waiting: WaitingTurn[];
  inFlight: number;
  scheduled: boolean;
}

/** A sent job: in flight until every turn in it has settled. */
interface SentJob {
  lane: Lane;
  open: number;
}

/**
 * Sends answer turns to the `answer` queue, one tenant's at a time, like Nagle's algorithm: a turn goes at once (at
 * the end of the current event-loop turn) while fewer than `answerBatchMaxInFlight` of its tenant's jobs from this
 * gateway are unanswered; otherwise it waits for one of them to be answered and leaves with the turns that gathered
 * meanwhile, as one `AnswerBatch` job. At low load every turn is its own `AnswerTurn` job and waits for nothing;
 * under load, turns that would have waited in the queue anyway share a job, and the queue's per-job cost (three Lua
 * scripts and their events in Redis, the worker's fetch and completion) is paid once per batch instead of per turn.
 * A job never carries two tenants' turns.
 */
@Injectable()
export class AnswerDispatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly sent = new Map<string, SentJob>();
  private readonly maxSize: number;
  private readonly maxInFlight: number;

  constructor(
    @InjectQueue(QueueName.Answer) private readonly queue: Queue<AnswerTurnPayload | AnswerBatchPayload>,
    config: AppConfig,
  ) {
    this.maxSize = config.runtime.answerBatchMaxSize;
    this.maxInFlight = config.runtime.answerBatchMaxInFlight;
  }

  /**
   * Sends the turn. `batchable: false` (tenants with a language model: their answers stream for seconds, and a turn
   * must not wait for another's) sends it as its own job at once, outside the tenant's lane.
   */
  dispatch(payload: AnswerTurnPayload, batchable = true): DispatchedTurn {
    if (!batchable) {
      const enqueued = this.queue.add(JobName.AnswerTurn, payload).then(() => undefined);
      enqueued.catch(() => undefined);
      return { enqueued, settle: () => undefined };
    }
    let lane = this.lanes.get(payload.tenantId);
    if (!lane) {
      lane = { waiting: [], inFlight: 0, scheduled: false };
      this.lanes.set(payload.tenantId, lane);
    }
    const enqueued = new Promise<void>((resolve, reject) => lane.waiting.push({ payload, resolve, reject }));
    // A caller that stopped waiting (deadline) never reads a late failure: it must not surface as unhandled.
    enqueued.catch(() => undefined);
    this.schedule(payload.tenantId, lane);
    let settled = false;
    return {
      enqueued,
      settle: () => {
        if (settled) return;
        settled = true;
        this.settle(payload.tenantId, payload.turnId);
      },
    };
  }

  /** Turns waiting to be sent, over all tenants (a gauge for tests and metrics). */
  get waiting(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.waiting.length;
    return n;
  }

  private schedule(tenantId: string, lane: Lane): void {
    if (lane.scheduled || lane.inFlight >= this.maxInFlight) return;
    lane.scheduled = true;
    setImmediate(() => this.send(tenantId, lane));
  }

  private send(tenantId: string, lane: Lane): void {
    lane.scheduled = false;
    while (lane.waiting.length > 0 && lane.inFlight < this.maxInFlight) {
      const turns = lane.waiting.splice(0, this.maxSize);
      const job: SentJob = { lane, open: turns.length };
      lane.inFlight++;
      for (const turn of turns) this.sent.set(turn.payload.turnId, job);
      // A lone turn travels as the single-turn job, answered exactly as before batching existed.
      const added =
        turns.length === 1
          ? this.queue.add(JobName.AnswerTurn, turns[0]!.payload)
          : this.queue.add(JobName.AnswerBatch, { tenantId, turns: turns.map((t) => t.payload) });
      added.then(
        () => {
          for (const turn of turns) turn.resolve();
        },
        (error: Error) => {
          for (const turn of turns) turn.reject(error);
        },
      );
    }
    this.forgetIfIdle(tenantId, lane);
  }

  private settle(tenantId: string, turnId: string): void {
    const job = this.sent.get(turnId);
    if (!job) {
      // Settled before it was sent (its deadline passed while it waited): it must not be sent at all.
      const lane = this.lanes.get(tenantId);
      const at = lane?.waiting.findIndex((t) => t.payload.turnId === turnId) ?? -1;
      if (lane && at >= 0) {
        lane.waiting.splice(at, 1);
        this.forgetIfIdle(tenantId, lane);
      }
      return;
    }
    this.sent.delete(turnId);
    if (--job.open > 0) return;
    job.lane.inFlight--;
    if (job.lane.waiting.length > 0) this.schedule(tenantId, job.lane);
    else this.forgetIfIdle(tenantId, job.lane);
  }

  private forgetIfIdle(tenantId: string, lane: Lane): void {
    if (lane.inFlight === 0 && lane.waiting.length === 0 && !lane.scheduled && this.lanes.get(tenantId) === lane) this.lanes.delete(tenantId);
  }
}

import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AppConfig } from '#config';
import { MetricsService } from '#metrics';
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

/** One tenant's turns on this gateway: those waiting to be sent, and how many of its shares of jobs are unanswered. */
interface Lane {
  waiting: WaitingTurn[];
  inFlight: number;
}

/** A tenant's share of a sent job: in flight until every one of its turns has settled. */
interface SentShare {
  lane: Lane;
  open: number;
}

/**
 * Sends answer turns to the `answer` queue like Nagle's algorithm, with each tenant's turns in a lane of their own. A
 * tenant's turn leaves at the end of the current event-loop turn while fewer than `answerBatchMaxInFlight` of its
 * shares of jobs from this gateway are unanswered; otherwise it waits for one of them to be answered and leaves with
 * the tenant's turns that gathered meanwhile. Everything that may leave in one event-loop turn leaves as one job:
 * at low load a lone turn is its own `AnswerTurn` job and waits for nothing; under load the turns of several tenants
 * share an `AnswerBatch` job, and the queue's per-job cost (three Lua scripts and their events in Redis, the worker's
 * fetch and completion) is paid once per batch instead of per turn.
 *
 * The limit is per tenant, not per job: a tenant whose answers are slow holds back its own turns only, never another
 * tenant's. Each turn carries its tenant, and the worker answers, logs and audits every turn of a batch as its own
 * tenant's, as it would a lone turn.
 */
@Injectable()
export class AnswerDispatcher {
  private readonly lanes = new Map<string, Lane>();
  private readonly sent = new Map<string, SentShare>();
  private readonly maxSize: number;
  private readonly maxInFlight: number;
  private flushScheduled = false;

  constructor(
    @InjectQueue(QueueName.Answer) private readonly queue: Queue<AnswerTurnPayload | AnswerBatchPayload>,
    config: AppConfig,
    private readonly metrics: MetricsService,
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
      this.metrics.answerJobTurns.observe(1);
      const enqueued = this.queue.add(JobName.AnswerTurn, payload).then(() => undefined);
      enqueued.catch(() => undefined);
      return { enqueued, settle: () => undefined };
    }
    let lane = this.lanes.get(payload.tenantId);
    if (!lane) {
      lane = { waiting: [], inFlight: 0 };
      this.lanes.set(payload.tenantId, lane);
    }
    const enqueued = new Promise<void>((resolve, reject) => lane.waiting.push({ payload, resolve, reject }));
    // A caller that stopped waiting (deadline) never reads a late failure: it must not surface as unhandled.
    enqueued.catch(() => undefined);
    if (lane.inFlight < this.maxInFlight) this.scheduleFlush();
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

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends what every lane may send now: as few jobs as the size cap allows, a tenant's share never split. */
  private flush(): void {
    this.flushScheduled = false;
    let job: WaitingTurn[] = [];
    for (const [tenantId, lane] of this.lanes) {
      while (lane.waiting.length > 0 && lane.inFlight < this.maxInFlight) {
        const turns = lane.waiting.splice(0, this.maxSize);
        if (job.length + turns.length > this.maxSize) {
          this.send(job);
          job = [];
        }
        const share: SentShare = { lane, open: turns.length };
        lane.inFlight++;
        for (const turn of turns) {
          this.sent.set(turn.payload.turnId, share);
          job.push(turn);
        }
      }
      this.forgetIfIdle(tenantId, lane);
    }
    if (job.length > 0) this.send(job);
  }

  private send(turns: WaitingTurn[]): void {
    this.metrics.answerJobTurns.observe(turns.length);
    // A lone turn travels as the single-turn job, answered exactly as before batching existed.
    const added =
      turns.length === 1
        ? this.queue.add(JobName.AnswerTurn, turns[0]!.payload)
        : this.queue.add(JobName.AnswerBatch, { turns: turns.map((t) => t.payload) });
    added.then(
      () => {
        for (const turn of turns) turn.resolve();
      },
      (error: Error) => {
        for (const turn of turns) turn.reject(error);
      },
    );
  }

  private settle(tenantId: string, turnId: string): void {
    const share = this.sent.get(turnId);
    if (!share) {
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
    if (--share.open > 0) return;
    share.lane.inFlight--;
    if (share.lane.waiting.length > 0) this.scheduleFlush();
    else this.forgetIfIdle(tenantId, share.lane);
  }

  private forgetIfIdle(tenantId: string, lane: Lane): void {
    if (lane.inFlight === 0 && lane.waiting.length === 0 && this.lanes.get(tenantId) === lane) this.lanes.delete(tenantId);
  }
}

import { describe, expect, it } from '@jest/globals';
import type { Job } from 'bullmq';
import { AppConfig } from '#config';
import { MetricsService } from '#metrics';
import { JobName, type AnswerBatchPayload, type AnswerTurnPayload } from '#queue';
import { useSpecQueue } from '../../../test/support/spec-queue.js';
import { AnswerDispatcher } from './answer-dispatcher.service.js';

type AnswerJob = Job<AnswerTurnPayload | AnswerBatchPayload>;

describe('AnswerDispatcher', () => {
  const queue = useSpecQueue<AnswerTurnPayload | AnswerBatchPayload>('answer-dispatcher-spec');
  /** The metrics of the dispatcher made last. */
  let metrics = new MetricsService();
  const dispatcher = (maxInFlight: number, maxSize: number): AnswerDispatcher =>
    new AnswerDispatcher(queue(), AppConfig.fromEnv({ ANSWER_BATCH_MAX_IN_FLIGHT: String(maxInFlight), ANSWER_BATCH_MAX_SIZE: String(maxSize) }), (metrics = new MetricsService()));
  const deadlineAt = Date.now() + 600_000;
  const turn = (tenantId: string, n: number): AnswerTurnPayload => ({
    tenantId,
    userId: `u${n}`,
    turnId: `${tenantId}-turn-${n}`,
    query: `question ${n}`,
    history: [],
    deadlineAt,
    replyTo: 'reply-channel',
    requestId: `r${n}`,
    confidenceThreshold: null,
  });
  /** The queued jobs in the order they were added, as [name, turn ids]. */
  const queued = async (): Promise<[string, string[]][]> => {
    const jobs: AnswerJob[] = (await queue().getJobs(['wait'])).sort((a, b) => a.timestamp - b.timestamp || Number(a.id) - Number(b.id));
    return jobs.map((j) => [j.name, 'turns' in j.data ? j.data.turns.map((t) => t.turnId) : [j.data.turnId]]);
  };
  const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

  it('sends a lone turn at once as its own AnswerTurn job', async () => {
    const sent = dispatcher(1, 10).dispatch(turn('t1', 1));
    await sent.enqueued;
    expect(await queued()).toEqual([[JobName.AnswerTurn, ['t1-turn-1']]]);
  });

  it("holds a tenant's turns while its jobs are unanswered, not another tenant's, then sends them together", async () => {
    const d = dispatcher(1, 10);
    const first = d.dispatch(turn('t1', 1));
    await first.enqueued;
    const waiting = [2, 3, 4].map((n) => d.dispatch(turn('t1', n)));
    // Another tenant's lane is its own: not held by t1's unanswered job.
    await d.dispatch(turn('t2', 5)).enqueued;
    await tick();
    expect(d.waiting).toBe(3);
    expect(await queued()).toEqual([
      [JobName.AnswerTurn, ['t1-turn-1']],
      [JobName.AnswerTurn, ['t2-turn-5']],
    ]);

    first.settle();
    await Promise.all(waiting.map((w) => w.enqueued));
    expect(d.waiting).toBe(0);
    const jobs = await queued();
    expect(jobs[2]).toEqual([JobName.AnswerBatch, ['t1-turn-2', 't1-turn-3', 't1-turn-4']]);
    const batch = (await queue().getJobs(['wait'])).find((j) => j.name === JobName.AnswerBatch)!;
    expect(batch.data).toEqual({ turns: [turn('t1', 2), turn('t1', 3), turn('t1', 4)] });
  });

  it('sends the turns of several tenants that may leave in the same event-loop turn as one job, each turn naming its tenant', async () => {
    const d = dispatcher(2, 10);
    const sent = [d.dispatch(turn('t1', 1)), d.dispatch(turn('t2', 2)), d.dispatch(turn('t1', 3)), d.dispatch(turn('t3', 4))];
    await Promise.all(sent.map((s) => s.enqueued));
    // Lanes in order of first use: t1's turns, then t2's, then t3's.
    expect(await queued()).toEqual([[JobName.AnswerBatch, ['t1-turn-1', 't1-turn-3', 't2-turn-2', 't3-turn-4']]]);
    const [batch] = await queue().getJobs(['wait']);
    expect((batch!.data as AnswerBatchPayload).turns.map((t) => t.tenantId)).toEqual(['t1', 't1', 't2', 't3']);
    // Turns per job, for operators: one job of four turns.
    const { values } = await metrics.answerJobTurns.get();
    expect(values.find((v) => v.metricName === 'fengda_answer_job_turns_sum')?.value).toBe(4);
    expect(values.find((v) => v.metricName === 'fengda_answer_job_turns_count')?.value).toBe(1);
  });

  it("holds back only the tenant whose share of a shared job is unanswered", async () => {
    const d = dispatcher(1, 10);
    const [a, b] = [d.dispatch(turn('t1', 1)), d.dispatch(turn('t2', 2))];
    await Promise.all([a.enqueued, b.enqueued]);
    const t1Next = d.dispatch(turn('t1', 3));
    const t2Next = d.dispatch(turn('t2', 4));
    await tick();
    expect(d.waiting).toBe(2);
    // t2's answer came; t1's did not: t2's next turn leaves, t1's keeps waiting.
    b.settle();
    await t2Next.enqueued;
    await tick();
    expect((await queued()).map(([, ids]) => ids)).toEqual([['t1-turn-1', 't2-turn-2'], ['t2-turn-4']]);
    expect(d.waiting).toBe(1);
    a.settle();
    await t1Next.enqueued;
    expect((await queued()).map(([, ids]) => ids)[2]).toEqual(['t1-turn-3']);
  });

  it("caps a job's size over all its tenants without splitting a tenant's share", async () => {
    const d = dispatcher(1, 3);
    const sent = [d.dispatch(turn('t1', 1)), d.dispatch(turn('t1', 2)), d.dispatch(turn('t2', 3)), d.dispatch(turn('t2', 4)), d.dispatch(turn('t3', 5))];
    await Promise.all(sent.map((s) => s.enqueued));
    expect((await queued()).map(([, ids]) => ids)).toEqual([['t1-turn-1', 't1-turn-2'], ['t2-turn-3', 't2-turn-4', 't3-turn-5']]);
  });

  it('releases a batch only when every turn in it has settled, and caps its size', async () => {
    const d = dispatcher(1, 2);
    const first = d.dispatch(turn('t1', 1));
    await first.enqueued;
    const rest = [2, 3, 4, 5].map((n) => d.dispatch(turn('t1', n)));
    first.settle();
    await tick();
    // One job of at most two turns left; the others wait for it.
    expect((await queued()).slice(1)).toEqual([[JobName.AnswerBatch, ['t1-turn-2', 't1-turn-3']]]);
    rest[0]!.settle();
    await tick();
    expect(await queued()).toHaveLength(2);
    rest[1]!.settle();
    await Promise.all([rest[2]!.enqueued, rest[3]!.enqueued]);
    expect((await queued()).slice(2)).toEqual([[JobName.AnswerBatch, ['t1-turn-4', 't1-turn-5']]]);
  });

  it('lets up to the in-flight limit of jobs go before holding turns', async () => {
    const d = dispatcher(2, 10);
    await d.dispatch(turn('t1', 1)).enqueued;
    await d.dispatch(turn('t1', 2)).enqueued;
    d.dispatch(turn('t1', 3));
    await tick();
    expect((await queued()).map(([, ids]) => ids)).toEqual([['t1-turn-1'], ['t1-turn-2']]);
    expect(d.waiting).toBe(1);
  });

  it('never sends a turn that was given up (deadline) while it waited', async () => {
    const d = dispatcher(1, 10);
    const first = d.dispatch(turn('t1', 1));
    await first.enqueued;
    const abandoned = d.dispatch(turn('t1', 2));
    const kept = d.dispatch(turn('t1', 3));
    abandoned.settle();
    first.settle();
    await kept.enqueued;
    expect((await queued()).map(([, ids]) => ids)).toEqual([['t1-turn-1'], ['t1-turn-3']]);
  });

  it("sends a language-model tenant's turns at once, whatever is in flight", async () => {
    const d = dispatcher(1, 10);
    await d.dispatch(turn('t1', 1)).enqueued;
    await d.dispatch(turn('t1', 2), false).enqueued;
    await d.dispatch(turn('t1', 3), false).enqueued;
    expect(await queued()).toEqual([
      [JobName.AnswerTurn, ['t1-turn-1']],
      [JobName.AnswerTurn, ['t1-turn-2']],
      [JobName.AnswerTurn, ['t1-turn-3']],
    ]);
  });
});

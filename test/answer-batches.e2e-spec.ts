import { beforeAll, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { KnowledgeService, type KbEntry } from '#knowledge';
import { JobName, QueueName, type AnswerBatchPayload, type AnswerTurnPayload, type ReplyMessage } from '#queue';
import { BANK_FAQ } from './support/bank-faq.js';
import { uniqueTenantId } from './support/api-client.js';
import { recordEnqueuedJobs, type EnqueuedJob } from './support/leak-scan.js';
import { useApps } from './support/use-apps.js';

/**
 * Turns that gather on a gateway while their tenants' jobs are unanswered travel as one AnswerBatch job
 * (AnswerDispatcher), turns of several tenants together: each is still answered on its own merits, from its own
 * tenant's knowledge base, and stored once in its own tenant's history.
 */
const OTHER_FAQ: KbEntry[] = [
  {
    id: 'other-reset',
    question: 'How do I reset my online banking password?',
    similarQuestions: ['forgot my login password'],
    answer: 'Other bank: call us to reset it.',
    tags: [],
  },
];
describe('answer batches, end to end (real Redis, BullMQ, both apps)', () => {
  // One job in flight per tenant: concurrent turns must share jobs.
  const apps = useApps({ gateway: { env: { ANSWER_BATCH_MAX_IN_FLIGHT: '1', ANSWER_BATCH_MAX_SIZE: '8' } } });
  let tenant: { id: string; apiKey: string };
  let other: { id: string; apiKey: string };
  const jobs: EnqueuedJob[] = [];

  beforeAll(async () => {
    const limits = { rateLimit: { tenantPerSec: 10_000, tenantBurst: 10_000, userPerMin: 100_000, userBurst: 200 } };
    tenant = await apps.api.createTenant(uniqueTenantId('batch'), limits);
    other = await apps.api.createTenant(uniqueTenantId('batch-other'), limits);
    await apps.worker.app.get(KnowledgeService).upsertMany(tenant.id, BANK_FAQ);
    await apps.worker.app.get(KnowledgeService).upsertMany(other.id, OTHER_FAQ);
    recordEnqueuedJobs('gateway', apps.gateway.app, jobs);
  });

  it("answers 40 concurrent turns of two tenants, each from its own tenant's KB, sharing jobs of at most 8 turns", async () => {
    const questions = [
      ['How do I reset my online banking password?', 'reset-password'],
      ['信用卡账单可以分期吗?', 'card-instalment'],
    ] as const;
    // Even users are the tenant's (two questions), odd ones the other tenant's (its own reset entry).
    const users = Array.from({ length: 40 }, (_, i) => ({ id: `batch-user-${i}`, of: i % 2 === 0 ? tenant : other }));
    const tokens = await Promise.all(users.map((u) => apps.api.token(u.of.apiKey, u.id)));
    jobs.length = 0;
    const replies = await Promise.all(tokens.map((token, i) => apps.api.chat(token, i % 2 === 0 ? questions[(i / 2) % 2]![0] : questions[0][0])));

    replies.forEach((res, i) => {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ source: 'kb', entryId: i % 2 === 0 ? questions[(i / 2) % 2]![1] : 'other-reset', seq: 1 });
    });
    const answerJobs = jobs.filter((j) => j.queue === QueueName.Answer);
    const turnsOf = (j: EnqueuedJob): AnswerTurnPayload[] =>
      j.name === JobName.AnswerBatch ? (j.data as unknown as AnswerBatchPayload).turns : [j.data as unknown as AnswerTurnPayload];
    const turnIds = answerJobs.flatMap((j) => turnsOf(j).map((t) => t.turnId));
    expect(new Set(turnIds).size).toBe(40);
    expect(turnIds).toHaveLength(40);
    const batches = answerJobs.filter((j) => j.name === JobName.AnswerBatch);
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) {
      const { turns } = b.data as unknown as AnswerBatchPayload;
      expect(turns.length).toBeGreaterThan(1);
      expect(turns.length).toBeLessThanOrEqual(8);
      expect(turns.every((t) => t.tenantId === tenant.id || t.tenantId === other.id)).toBe(true);
    }
    // Stored once each, in its own tenant's history only.
    for (const user of users.slice(0, 6)) {
      const own = await apps.api.conversation(user.of.apiKey, user.id);
      expect(own.body.turns).toHaveLength(1);
      const notOwn = await apps.api.conversation((user.of === tenant ? other : tenant).apiKey, user.id);
      expect(notOwn.body.turns ?? []).toHaveLength(0);
    }
  });

  it("answers a batch that carries two tenants' turns, each from its own tenant's KB", async () => {
    const replies = await sendBatch([turn(tenant.id, 'two-1'), turn(other.id, 'two-2')]);
    // Answer jobs are removed on completion.
    expect(['completed', 'unknown']).toContain(replies.state);
    expect(replies.heard.sort((x, y) => x.turnId.localeCompare(y.turnId))).toEqual([
      expect.objectContaining({ kind: 'final', turnId: 'two-1', source: 'kb', entryId: 'reset-password' }),
      expect.objectContaining({ kind: 'final', turnId: 'two-2', source: 'kb', entryId: 'other-reset', answer: OTHER_FAQ[0]!.answer }),
    ]);
  });

  it('refuses a batch with a turn that names no tenant, and answers none of it', async () => {
    const { tenantId: _dropped, ...nameless } = turn(other.id, 'nameless-2');
    const replies = await sendBatch([turn(tenant.id, 'nameless-1'), nameless as AnswerTurnPayload]);
    expect(replies.state).toBe('failed');
    expect(replies.failedReason).toMatch(/naming its tenant/);
    expect(replies.heard).toEqual([]);
  });

  const channel = (): string => `${process.env.FENGDA_TEST_REDIS_PREFIX}:batch-spec-replies`;

  const turn = (tenantId: string, turnId: string): AnswerTurnPayload => ({
    tenantId,
    userId: `${turnId}-user`,
    turnId,
    query: 'How do I reset my online banking password?',
    history: [],
    deadlineAt: Date.now() + 10_000,
    replyTo: channel(),
    requestId: turnId,
    confidenceThreshold: null,
  });

  /** Adds an AnswerBatch job by hand and waits for it to finish: its state, failure and the replies heard on its channel. */
  const sendBatch = async (turns: AnswerTurnPayload[]): Promise<{ state: string; failedReason?: string; heard: ReplyMessage[] }> => {
    const queue = apps.gateway.app.get<Queue>(getQueueToken(QueueName.Answer), { strict: false });
    const sub = new Redis(process.env.FENGDA_TEST_REDIS_URL!, { protocol: 2 });
    const heard: ReplyMessage[] = [];
    // A batch's replies to one channel come as one array message.
    sub.on('message', (_c: string, m: string) => heard.push(...([] as ReplyMessage[]).concat(JSON.parse(m) as ReplyMessage | ReplyMessage[])));
    await sub.subscribe(channel());
    try {
      const job = await queue.add(JobName.AnswerBatch, { turns } satisfies AnswerBatchPayload);
      let state = await job.getState();
      for (let i = 0; i < 100 && !['failed', 'completed', 'unknown'].includes(state); i++) {
        await new Promise((r) => setTimeout(r, 50));
        state = await job.getState();
      }
      await new Promise((r) => setTimeout(r, 100));
      return { state, failedReason: (await queue.getJob(job.id!))?.failedReason, heard };
    } finally {
      sub.disconnect();
    }
  };
});

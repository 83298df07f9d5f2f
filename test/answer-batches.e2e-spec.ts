import { beforeAll, describe, expect, it } from '@jest/globals';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { KnowledgeService } from '#knowledge';
import { JobName, QueueName, type AnswerBatchPayload, type AnswerTurnPayload } from '#queue';
import { BANK_FAQ } from './support/bank-faq.js';
import { uniqueTenantId } from './support/api-client.js';
import { recordEnqueuedJobs, type EnqueuedJob } from './support/leak-scan.js';
import { useApps } from './support/use-apps.js';

/**
 * Turns of one tenant that gather on a gateway while its job is unanswered travel as one AnswerBatch job
 * (AnswerDispatcher): each is still answered on its own merits, stored once, and a job never carries two tenants.
 */
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
    for (const t of [tenant, other]) await apps.worker.app.get(KnowledgeService).upsertMany(t.id, BANK_FAQ);
    recordEnqueuedJobs('gateway', apps.gateway.app, jobs);
  });

  it('answers 40 concurrent turns, each from its own question, sharing jobs of at most 8 turns', async () => {
    const questions = [
      ['How do I reset my online banking password?', 'reset-password'],
      ['信用卡账单可以分期吗?', 'card-instalment'],
    ] as const;
    const users = Array.from({ length: 40 }, (_, i) => `batch-user-${i}`);
    const tokens = await Promise.all(users.map((u) => apps.api.token(tenant.apiKey, u)));
    jobs.length = 0;
    const replies = await Promise.all(tokens.map((token, i) => apps.api.chat(token, questions[i % 2]![0])));

    replies.forEach((res, i) => {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ source: 'kb', entryId: questions[i % 2]![1], seq: 1 });
    });
    const answerJobs = jobs.filter((j) => j.queue === QueueName.Answer);
    const turnIds = answerJobs.flatMap((j) => (j.name === JobName.AnswerBatch ? (j.data as unknown as AnswerBatchPayload).turns.map((t) => t.turnId) : [(j.data as unknown as AnswerTurnPayload).turnId]));
    expect(new Set(turnIds).size).toBe(40);
    expect(turnIds).toHaveLength(40);
    const batches = answerJobs.filter((j) => j.name === JobName.AnswerBatch);
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) {
      const data = b.data as unknown as AnswerBatchPayload;
      expect(data.turns.length).toBeGreaterThan(1);
      expect(data.turns.length).toBeLessThanOrEqual(8);
      expect(data.turns.every((t) => t.tenantId === tenant.id && data.tenantId === tenant.id)).toBe(true);
    }
    // Stored once each.
    for (const user of users.slice(0, 6)) {
      const conversation = await apps.api.conversation(tenant.apiKey, user);
      expect(conversation.body.turns).toHaveLength(1);
    }
  });

  it("refuses a batch that carries another tenant's turn, and answers none of it", async () => {
    const queue = apps.gateway.app.get<Queue>(getQueueToken(QueueName.Answer), { strict: false });
    const sub = new Redis(process.env.FENGDA_TEST_REDIS_URL!, { protocol: 2 });
    const channel = `${process.env.FENGDA_TEST_REDIS_PREFIX}:batch-spec-replies`;
    const heard: string[] = [];
    sub.on('message', (_c: string, m: string) => heard.push(m));
    await sub.subscribe(channel);
    try {
      const turn = (tenantId: string, n: number): AnswerTurnPayload => ({
        tenantId,
        userId: 'mixed-user',
        turnId: `mixed-${n}`,
        query: 'How do I reset my online banking password?',
        history: [],
        deadlineAt: Date.now() + 10_000,
        replyTo: channel,
        requestId: `mixed-${n}`,
        confidenceThreshold: null,
      });
      const job = await queue.add(JobName.AnswerBatch, { tenantId: tenant.id, turns: [turn(tenant.id, 1), turn(other.id, 2)] } satisfies AnswerBatchPayload);
      let state = await job.getState();
      for (let i = 0; i < 100 && state !== 'failed' && state !== 'completed'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        state = await job.getState();
      }
      expect(state).toBe('failed');
      expect((await queue.getJob(job.id!))?.failedReason).toMatch(/own tenant/);
      await new Promise((r) => setTimeout(r, 100));
      expect(heard).toEqual([]);
    } finally {
      sub.disconnect();
    }
  });
});

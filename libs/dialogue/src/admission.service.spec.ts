import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, Worker } from 'bullmq';
import type { AppConfig } from '#config';
import { createLogger } from '#observability';
import { AdmissionService } from './admission.service.js';

// Against the real Redis (FENGDA_TEST_REDIS_URL, else redis://127.0.0.1:6379/0), under a per-run
// prefix whose keys are deleted in afterAll.
const redisUrl = process.env.FENGDA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const prefix = `{fdunit-admission-${process.pid}-${Date.now()}:bull}`;
const connection = { url: redisUrl, protocol: 2 as const, maxRetriesPerRequest: null };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('AdmissionService lag (real Redis)', () => {
  const queues: Queue[] = [];
  const config = { runtime: { admissionMaxLagMs: 1_000, admissionMaxDepth: 50_000 } } as AppConfig;
  const logger = createLogger({ level: 'silent', app: 'test' });

  /** A fresh queue per test: the cases stay independent. */
  const newQueue = (): Queue => {
    const queue = new Queue(`answer-${queues.length}`, { connection, prefix });
    queues.push(queue);
    return queue;
  };

  beforeAll(async () => {
    await newQueue().waitUntilReady();
  });

  afterAll(async () => {
    for (const queue of queues) {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('is the age of the oldest waiting job, not the newest', async () => {
    const queue = newQueue();
    const admission = new AdmissionService(queue, config, logger);
    expect(await admission.sample()).toEqual({ lagMs: 0, depth: 0, overloaded: false });
    await queue.add('AnswerTurn', { n: 1 }, { timestamp: Date.now() - 5_000 });
    await queue.add('AnswerTurn', { n: 2 });
    const pressure = await admission.sample();
    expect(pressure.depth).toBe(2);
    expect(pressure.lagMs).toBeGreaterThanOrEqual(5_000);
    expect(pressure.overloaded).toBe(true);
  });

  it("does not count a dead worker's job that BullMQ's stalled check handed back", async () => {
    const queue = newQueue();
    const admission = new AdmissionService(queue, config, logger);
    // Enqueued a minute ago, then taken by a worker that died holding it (no lock renewal).
    await queue.add('AnswerTurn', { n: 1 }, { timestamp: Date.now() - 60_000 });
    const dead = new Worker(queue.name, null, { connection, prefix, autorun: false, lockDuration: 200 });
    const job = await dead.getNextJob('dead-worker-token');
    expect(job?.data).toEqual({ n: 1 });
    await dead.close();
    // Another worker's stalled check (two passes: mark, then move once the lock has expired).
    const checker = new Worker(queue.name, null, { connection, prefix, autorun: false, stalledInterval: 150 });
    void checker.startStalledCheckTimer();
    for (let i = 0; i < 40 && (await queue.getWaitingCount()) === 0; i++) await sleep(50);
    await checker.close();
    const [back] = await queue.getWaiting(0, 0);
    expect(back).toMatchObject({ id: job!.id, attemptsStarted: 1 });

    // Only the handed-back job waits: no new work has waited at all.
    expect(await admission.sample()).toMatchObject({ depth: 1, lagMs: 0, overloaded: false });
    // New turns behind it: the lag is theirs.
    await queue.add('AnswerTurn', { n: 2 }, { timestamp: Date.now() - 300 });
    await queue.add('AnswerTurn', { n: 3 });
    const pressure = await admission.sample();
    expect(pressure).toMatchObject({ depth: 3, overloaded: false });
    expect(pressure.lagMs).toBeGreaterThanOrEqual(300);
    expect(pressure.lagMs).toBeLessThan(1_000);
  });

  it('looks past a run of handed-back jobs at the head of the queue', async () => {
    const queue = newQueue();
    const admission = new AdmissionService(queue, config, logger);
    // 20 jobs taken and handed back (moveToWait puts a job back at the head, as the stalled check does) …
    await queue.addBulk(Array.from({ length: 20 }, (_, n) => ({ name: 'AnswerTurn', data: { n }, opts: { timestamp: Date.now() - 60_000 } })));
    const worker = new Worker(queue.name, null, { connection, prefix, autorun: false });
    const taken = [];
    for (let i = 0; i < 20; i++) taken.push(await worker.getNextJob(`token-${i}`));
    for (const [i, job] of taken.entries()) await job!.moveToWait(`token-${i}`);
    await worker.close();
    // … and one new turn behind them.
    await queue.add('AnswerTurn', { n: 20 }, { timestamp: Date.now() - 1_500 });
    const pressure = await admission.sample();
    expect(pressure.depth).toBe(21);
    expect(pressure.lagMs).toBeGreaterThanOrEqual(1_500);
    expect(pressure.lagMs).toBeLessThan(10_000);
    expect(pressure.overloaded).toBe(true);
  });
});

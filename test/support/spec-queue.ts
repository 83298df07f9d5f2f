import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { Queue } from 'bullmq';

/**
 * A real BullMQ queue on the test run's Redis prefix, under a name of its own (so no app's worker takes its jobs),
 * emptied after each test and closed after the suite. Call inside `describe`; the returned function gives the queue.
 */
export const useSpecQueue = <T>(name: string): (() => Queue<T>) => {
  let queue: Queue<T> | undefined;
  beforeAll(() => {
    queue = new Queue<T>(name, {
      connection: { url: process.env.FENGDA_TEST_REDIS_URL, protocol: 2 },
      prefix: `{${process.env.FENGDA_TEST_REDIS_PREFIX}:bull}`,
    });
  });
  afterEach(async () => {
    await queue?.obliterate({ force: true });
  });
  afterAll(async () => {
    await queue?.close();
  });
  return () => queue!;
};

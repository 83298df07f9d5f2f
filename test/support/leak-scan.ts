import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QueueName } from '#queue';

/** One stored thing, rendered as text to search: where it is, and what it holds. */
export interface Haystack {
  where: string;
  text: string;
}

/** `where: needle` for every needle found in a haystack (empty when nothing leaked). */
export const leaks = (haystacks: readonly Haystack[], needles: readonly string[]): string[] =>
  haystacks.flatMap((h) => needles.filter((n) => n && h.text.includes(n)).map((n) => `${h.where} contains ${JSON.stringify(n)}: ${h.text.slice(0, 300)}`));

/** A Redis key with its type and its whole value as text (every element, field and entry). */
export interface RedisRecord extends Haystack {
  key: string;
  type: string;
}

/**
 * Every key matching the patterns (SCAN, so it is safe on a shared server), with its value:
 * strings read with GET, lists with LRANGE, hashes with HGETALL, sets, sorted sets and streams
 * in full. Keys that expire between SCAN and the read are skipped.
 */
export const scanRedis = async (redis: Redis, patterns: readonly string[]): Promise<RedisRecord[]> => {
  const keys = new Set<string>();
  for (const match of patterns) {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      found.forEach((k) => keys.add(k));
    } while (cursor !== '0');
  }
  const records: RedisRecord[] = [];
  for (const key of [...keys].sort()) {
    const type = await redis.type(key);
    let value: unknown;
    switch (type) {
      case 'string':
        value = await redis.get(key);
        break;
      case 'list':
        value = await redis.lrange(key, 0, -1);
        break;
      case 'hash':
        value = await redis.hgetall(key);
        break;
      case 'set':
        value = await redis.smembers(key);
        break;
      case 'zset':
        value = await redis.zrange(key, '0', '-1', 'WITHSCORES');
        break;
      case 'stream':
        value = await redis.xrange(key, '-', '+');
        break;
      default:
        continue; // 'none': expired meanwhile
    }
    records.push({ key, type, where: `redis ${type} ${key}`, text: `${key}\n${JSON.stringify(value)}` });
  }
  return records;
};

/**
 * What of a job's data is one tenant's: the whole of a one-tenant job (`data.tenantId`), or that tenant's turns of an
 * answer batch (which may carry turns of several tenants, each naming its own); undefined when none of it is.
 */
export const jobPartOf = (data: unknown, tenantId: string): unknown => {
  if (data === null || typeof data !== 'object') return undefined;
  const { tenantId: own, turns } = data as { tenantId?: unknown; turns?: unknown };
  if (own !== undefined) return own === tenantId ? data : undefined;
  if (!Array.isArray(turns)) return undefined;
  const mine = turns.filter((turn) => (turn as { tenantId?: unknown } | null)?.tenantId === tenantId);
  return mine.length > 0 ? { turns: mine } : undefined;
};

/** A BullMQ job hash as a haystack of one tenant: its fields, with only that tenant's part of the data (see jobPartOf). */
export const jobHaystackOf = (record: RedisRecord, tenantId: string): Haystack | undefined => {
  if (record.type !== 'hash') return undefined;
  try {
    const hash = JSON.parse(record.text.slice(record.text.indexOf('\n') + 1)) as Record<string, unknown>;
    if (typeof hash.data !== 'string') return undefined;
    const part = jobPartOf(JSON.parse(hash.data), tenantId);
    if (part === undefined) return undefined;
    return { where: record.where, text: `${record.key}\n${JSON.stringify({ ...hash, data: part })}` };
  } catch {
    return undefined;
  }
};

/** A job as its producer enqueued it. */
export interface EnqueuedJob {
  app: string;
  queue: string;
  name: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

/**
 * Records every job the app enqueues (add and addBulk on each of its queues), keeping the
 * producer's behaviour: jobs of both apps can be checked even when BullMQ removes them on
 * completion. Returns a function that restores the queues.
 */
export const recordEnqueuedJobs = (label: string, app: NestFastifyApplication, into: EnqueuedJob[]): (() => void) => {
  const restores: (() => void)[] = [];
  for (const name of Object.values(QueueName)) {
    let queue: Queue;
    try {
      queue = app.get<Queue>(getQueueToken(name), { strict: false });
    } catch {
      continue;
    }
    const add = queue.add.bind(queue);
    const addBulk = queue.addBulk.bind(queue);
    queue.add = (async (jobName: string, data: Record<string, unknown>, opts?: unknown) => {
      const job = await add(jobName, data, opts as never);
      into.push({ app: label, queue: name, name: jobName, id: job.id, data });
      return job;
    }) as Queue['add'];
    queue.addBulk = (async (jobs: { name: string; data: Record<string, unknown>; opts?: unknown }[]) => {
      const added = await addBulk(jobs as never);
      added.forEach((job, i) => into.push({ app: label, queue: name, name: jobs[i]!.name, id: job.id, data: jobs[i]!.data }));
      return added;
    }) as Queue['addBulk'];
    restores.push(() => {
      queue.add = add as Queue['add'];
      queue.addBulk = addBulk as Queue['addBulk'];
    });
  }
  return () => restores.forEach((restore) => restore());
};

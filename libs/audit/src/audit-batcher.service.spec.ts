import { describe, expect, it } from '@jest/globals';
import { createLogger } from '#observability';
import type { AuditRecord } from '#queue';
import { AuditBatcher } from './audit-batcher.service.js';
import type { AuditRepository } from './audit.repository.js';

const record = (n: number): AuditRecord => ({ tenantId: 't1', eventId: `e${n}`, kind: 'admin', actor: 'a', at: new Date(0).toISOString() });
const pgError = (code: string): Error => Object.assign(new Error(`pg ${code}`), { code });

/** A repository whose inserts fail with the queued errors, one per call, then succeed. */
const flakyRepository = (errors: Error[]): { repository: AuditRepository; inserted: AuditRecord[] } => {
  const inserted: AuditRecord[] = [];
  const repository = {
    insertBatch: async (records: AuditRecord[]) => {
      const error = errors.shift();
      if (error) throw error;
      inserted.push(...records);
      return records.length;
    },
  } as unknown as AuditRepository;
  return { repository, inserted };
};

/** Writes the records as concurrent jobs would, flushes at once, and waits for every write. */
const writeAll = async (batcher: AuditBatcher, records: AuditRecord[]): Promise<void> => {
  const writes = records.map((r) => batcher.write(r));
  await batcher.flush();
  await Promise.all(writes);
};

const batcherOver = (repository: AuditRepository): { batcher: AuditBatcher; recoveries: () => number } => {
  const batcher = new AuditBatcher(repository, createLogger({ level: 'silent', app: 'test' }));
  let count = 0;
  batcher.onRecovered(() => count++);
  return { batcher, recoveries: () => count };
};

describe('AuditBatcher', () => {
  it('reports the recovery once, on the first write after Postgres was unreachable', async () => {
    const { repository, inserted } = flakyRepository([pgError('57P01')]);
    const { batcher, recoveries } = batcherOver(repository);
    await expect(writeAll(batcher, [record(1)])).rejects.toThrow('pg 57P01');
    expect(recoveries()).toBe(0);
    await writeAll(batcher, [record(2)]);
    await writeAll(batcher, [record(3)]);
    expect(recoveries()).toBe(1);
    expect(inserted.map((r) => r.eventId)).toEqual(['e2', 'e3']);
  });

  it('reports a recovery when the batch failed and its records, written one by one, succeed', async () => {
    const { repository, inserted } = flakyRepository([new Error('Connection terminated unexpectedly')]);
    const { batcher, recoveries } = batcherOver(repository);
    await writeAll(batcher, [record(1), record(2)]);
    expect(inserted).toHaveLength(2);
    expect(recoveries()).toBe(1);
  });

  it('does not take a bad row for an outage', async () => {
    const { repository } = flakyRepository([pgError('23503')]);
    const { batcher, recoveries } = batcherOver(repository);
    await expect(writeAll(batcher, [record(1)])).rejects.toThrow('pg 23503');
    await writeAll(batcher, [record(2)]);
    expect(recoveries()).toBe(0);
  });
});

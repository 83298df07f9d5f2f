import { describe, expect, it } from '@jest/globals';
import { Clock, ErrorCode } from '#common';
import type { EventBusService } from '#redis';
import { generateApiKey } from './api-key.js';
import { ApiKeyAuthService } from './api-key-auth.service.js';
import type { ApiKeyRepository } from './api-key.repository.js';
import type { TenantCacheService } from './tenant-cache.service.js';
import type { TenantSnapshot } from './tenant-snapshot.js';

class ManualClock extends Clock {
  at = 1_000_000;
  now(): number {
    return this.at;
  }
}

const TENANT = { id: 't1', name: 'T1', status: 'active' } as unknown as TenantSnapshot;
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The service over a key table the test controls: the row, or an error for Postgres being unreachable. */
const setup = () => {
  const issued = generateApiKey();
  const table: { row: { id: string; tenantId: string; keyHash: string } | null; down: boolean; lookups: number } = {
    row: { id: 'k1', tenantId: TENANT.id, keyHash: issued.keyHash },
    down: false,
    lookups: 0,
  };
  const keys = {
    findActiveByPrefix: async () => {
      table.lookups++;
      if (table.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return table.row;
    },
  } as unknown as ApiKeyRepository;
  const tenants = { get: async () => TENANT } as unknown as TenantCacheService;
  const clock = new ManualClock();
  const service = new ApiKeyAuthService(keys, tenants, { subscribe: async () => undefined } as unknown as EventBusService, clock);
  return { service, key: issued.apiKey, table, clock };
};

describe('ApiKeyAuthService', () => {
  it('looks a key up once, then again only after 30 s', async () => {
    const { service, key, table, clock } = setup();
    await expect(service.authenticate(key)).resolves.toMatchObject({ keyId: 'k1', tenant: TENANT });
    clock.at += 29_000;
    await service.authenticate(key);
    expect(table.lookups).toBe(1);
    clock.at += 2_000;
    await service.authenticate(key);
    await settle();
    expect(table.lookups).toBe(2);
  });

  it('keeps accepting a key it verified before while Postgres is unreachable', async () => {
    const { service, key, table, clock } = setup();
    await service.authenticate(key);
    table.down = true;
    clock.at += 60_000;
    await expect(service.authenticate(key)).resolves.toMatchObject({ keyId: 'k1' });
    await settle();
    await expect(service.authenticate(key)).resolves.toMatchObject({ keyId: 'k1' });
  });

  it('refuses a key it has never seen while Postgres is unreachable, with the database error (a 503 at the gateway)', async () => {
    const { service, key, table } = setup();
    table.down = true;
    await expect(service.authenticate(key)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('forgets a key that is gone from Postgres once the check behind finds out', async () => {
    const { service, key, table, clock } = setup();
    await service.authenticate(key);
    table.row = null;
    clock.at += 31_000;
    await service.authenticate(key); // served from the cache while the check runs
    await settle();
    await expect(service.authenticate(key)).rejects.toMatchObject({ code: ErrorCode.InvalidApiKey });
  });
});

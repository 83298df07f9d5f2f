import { describe, expect, it } from '@jest/globals';
import { EndUserTokenService } from '#auth';
import { DomainError, SystemClock } from '#common';
import { AppConfig } from '#config';
import type { TenantCacheService, TenantSnapshot } from '#tenancy';
import { RealtimeModule } from '../realtime.module.js';
import { DemoTokenController } from './demo-token.controller.js';

const config = AppConfig.fromEnv({ NODE_ENV: 'test' });
const tokens = new EndUserTokenService(config, new SystemClock());
const cacheWith = (tenant: Partial<TenantSnapshot> | null): TenantCacheService => ({ get: async () => tenant }) as unknown as TenantCacheService;

describe('GET /demo/token', () => {
  it('is registered only outside production', () => {
    const controllersOf = (production: boolean) => RealtimeModule.forRoot({ runtime: { production } } as AppConfig).controllers ?? [];
    expect(controllersOf(false)).toContain(DemoTokenController);
    expect(controllersOf(true)).not.toContain(DemoTokenController);
  });

  it('mints a demo-bank token for a new random visitor, or for the visitor it names', async () => {
    const controller = new DemoTokenController(tokens, cacheWith({ id: 'demo-bank', status: 'active' }));
    const issued = await controller.issue({});
    expect(issued).toMatchObject({ tenantId: 'demo-bank', userId: expect.stringMatching(/^visitor-[0-9a-f-]{36}$/), expiresIn: config.auth.jwtTtlSec });
    expect(tokens.verify(issued.token)).toMatchObject({ tenantId: 'demo-bank', userId: issued.userId });
    expect((await controller.issue({ visitorId: issued.userId })).userId).toBe(issued.userId);
  });

  it('answers 404 while there is no active demo-bank tenant', async () => {
    await expect(new DemoTokenController(tokens, cacheWith(null)).issue({})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(new DemoTokenController(tokens, cacheWith({ id: 'demo-bank', status: 'disabled' })).issue({})).rejects.toBeInstanceOf(DomainError);
  });
});

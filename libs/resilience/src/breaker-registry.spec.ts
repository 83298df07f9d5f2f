import { describe, expect, it } from '@jest/globals';
import { BrokenCircuitError } from 'cockatiel';
import { BreakerRegistry, type BreakerStatus } from './breaker-registry.js';
import { BulkheadRegistry } from './bulkhead-registry.js';

class Ignored extends Error {}

const fail = (): Promise<never> => Promise.reject(new Error('down'));
const ok = (): Promise<string> => Promise.resolve('ok');

describe('BreakerRegistry', () => {
  it('opens after N consecutive failures, per (tenant, provider), and lists the states', async () => {
    const changes: BreakerStatus[] = [];
    const registry = new BreakerRegistry({ consecutiveFailures: 3, halfOpenAfterMs: 60_000, onStateChange: (s) => changes.push(s) });
    const a = registry.get('tenant-a', 'https://llm.example');
    expect(registry.get('tenant-a', 'https://llm.example')).toBe(a);
    for (let i = 0; i < 3; i++) await expect(a.execute(fail)).rejects.toThrow('down');
    await expect(a.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    // Another tenant on the same provider is unaffected.
    await expect(registry.get('tenant-b', 'https://llm.example').execute(ok)).resolves.toBe('ok');
    expect(registry.states()).toEqual([
      { tenantId: 'tenant-a', provider: 'https://llm.example', state: 'open' },
      { tenantId: 'tenant-b', provider: 'https://llm.example', state: 'closed' },
    ]);
    expect(changes).toEqual([{ tenantId: 'tenant-a', provider: 'https://llm.example', state: 'open' }]);
  });

  it('a success resets the count; ignored errors do not count', async () => {
    const registry = new BreakerRegistry({ consecutiveFailures: 2, halfOpenAfterMs: 60_000, ignore: (e) => e instanceof Ignored });
    const breaker = registry.get('t', 'p');
    await expect(breaker.execute(fail)).rejects.toThrow();
    await breaker.execute(ok);
    await expect(breaker.execute(fail)).rejects.toThrow();
    for (let i = 0; i < 5; i++) await expect(breaker.execute(() => Promise.reject(new Ignored('gone')))).rejects.toBeInstanceOf(Ignored);
    expect(registry.states()[0]!.state).toBe('closed');
  });

  it('half-opens after the interval and closes on a success', async () => {
    const registry = new BreakerRegistry({ consecutiveFailures: 1, halfOpenAfterMs: 50 });
    const breaker = registry.get('t', 'p');
    await expect(breaker.execute(fail)).rejects.toThrow();
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    await new Promise((r) => setTimeout(r, 60));
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(registry.states()[0]!.state).toBe('closed');
  });
});

describe('BulkheadRegistry', () => {
  it('caps concurrent calls per tenant and refuses the excess at once', async () => {
    const registry = new BulkheadRegistry(2);
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const held = [registry.get('t').execute(() => gate), registry.get('t').execute(() => gate)];
    await expect(registry.get('t').execute(ok)).rejects.toThrow(/Bulkhead capacity exceeded/);
    await expect(registry.get('other').execute(ok)).resolves.toBe('ok');
    release();
    await Promise.all(held);
    await expect(registry.get('t').execute(ok)).resolves.toBe('ok');
  });
});

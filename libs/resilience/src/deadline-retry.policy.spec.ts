import { describe, expect, it } from '@jest/globals';
import { ConstantBackoff, TimeoutStrategy, timeout, wrap } from 'cockatiel';
import { DeadlineBudgetExhaustedError, DeadlineRetryPolicy, jitteredBackoff, type DeadlineRetryOptions } from './deadline-retry.policy.js';

class Flaky extends Error {
  constructor(readonly retryable = true) {
    super('flaky');
  }
}

const policy = (overrides: Partial<DeadlineRetryOptions> = {}): DeadlineRetryPolicy =>
  new DeadlineRetryPolicy({
    deadlineAt: Date.now() + 1_000,
    now: Date.now,
    maxAttempts: 5,
    minAttemptMs: 20,
    isRetryable: (e) => e instanceof Flaky && e.retryable,
    backoff: new ConstantBackoff(10),
    ...overrides,
  });

/** A function failing `failures` times, then answering; records when each attempt started. */
const failing = (failures: number, error = (): Error => new Flaky()) => {
  const starts: number[] = [];
  const fn = async (): Promise<string> => {
    starts.push(Date.now());
    if (starts.length <= failures) throw error();
    return 'ok';
  };
  return { fn, starts };
};

describe('DeadlineRetryPolicy', () => {
  it('returns the first success without retrying', async () => {
    const { fn, starts } = failing(0);
    await expect(policy().execute(fn)).resolves.toBe('ok');
    expect(starts).toHaveLength(1);
  });

  it('retries retryable failures until one succeeds', async () => {
    const { fn, starts } = failing(2);
    await expect(policy().execute(fn)).resolves.toBe('ok');
    expect(starts).toHaveLength(3);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const { fn, starts } = failing(10);
    await expect(policy({ maxAttempts: 3 }).execute(fn)).rejects.toBeInstanceOf(Flaky);
    expect(starts).toHaveLength(3);
  });

  it('does not retry an error the caller calls final', async () => {
    const { fn, starts } = failing(10, () => new Flaky(false));
    await expect(policy().execute(fn)).rejects.toThrow('flaky');
    expect(starts).toHaveLength(1);
  });

  it('starts no attempt that could not finish before the deadline', async () => {
    const started = Date.now();
    const deadlineAt = started + 250;
    const { fn, starts } = failing(100);
    // 100 ms backoff + 100 ms minimum attempt: a second attempt fits (t≈100), a third (t≈200) does not.
    await expect(policy({ deadlineAt, maxAttempts: 20, minAttemptMs: 100, backoff: new ConstantBackoff(100) }).execute(fn)).rejects.toBeInstanceOf(Flaky);
    expect(starts).toHaveLength(2);
    for (const at of starts) expect(at + 100).toBeLessThanOrEqual(deadlineAt + 5);
    // It gave up at once instead of sleeping through the last backoff.
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('refuses to start when not even one attempt fits', async () => {
    const { fn, starts } = failing(0);
    await expect(policy({ deadlineAt: Date.now() + 10, minAttemptMs: 50 }).execute(fn)).rejects.toBeInstanceOf(DeadlineBudgetExhaustedError);
    expect(starts).toHaveLength(0);
  });

  it('tells each attempt how much time is left', async () => {
    const deadlineAt = Date.now() + 500;
    const seen: number[] = [];
    await expect(
      policy({ deadlineAt, backoff: new ConstantBackoff(30) }).execute(({ remainingMs, attempt }) => {
        seen.push(remainingMs);
        if (attempt < 2) throw new Flaky();
        return 'ok';
      }),
    ).resolves.toBe('ok');
    expect(seen).toHaveLength(3);
    expect(seen[0]).toBeLessThanOrEqual(500);
    expect(seen[1]).toBeLessThan(seen[0]! - 25);
    expect(seen[2]).toBeLessThan(seen[1]! - 25);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const { fn, starts } = failing(100);
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    await expect(policy({ backoff: new ConstantBackoff(400) }).execute(fn, controller.signal)).rejects.toBeInstanceOf(Flaky);
    expect(starts).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('with a per-attempt timeout sized by remainingMs, a stalled call never outlives the deadline', async () => {
    const started = Date.now();
    const deadlineAt = started + 300;
    let calls = 0;
    const stall = (signal: AbortSignal): Promise<never> =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Flaky()), { once: true }));
    const retry = policy({ deadlineAt, maxAttempts: 10, minAttemptMs: 50, isRetryable: () => true });
    await expect(
      retry.execute(({ remainingMs }) =>
        timeout(Math.min(1_000, remainingMs), TimeoutStrategy.Aggressive).execute(({ signal }) => {
          calls++;
          return stall(signal);
        }),
      ),
    ).rejects.toThrow();
    expect(calls).toBe(1);
    expect(Date.now()).toBeLessThan(deadlineAt + 30);
  });

  it('composes with other cockatiel policies through wrap', async () => {
    const { fn, starts } = failing(1);
    const composed = wrap(policy(), timeout(200, TimeoutStrategy.Aggressive));
    await expect(composed.execute(fn)).resolves.toBe('ok');
    expect(starts).toHaveLength(2);
  });
});

describe('jitteredBackoff', () => {
  it('grows with the attempt, stays under the cap and varies', () => {
    const durations: number[][] = [];
    for (let run = 0; run < 20; run++) {
      let backoff = jitteredBackoff(100, 2_000).next({ attempt: 1, signal: new AbortController().signal, result: { error: new Error('x') } });
      const series = [backoff.duration];
      for (let i = 2; i <= 6; i++) {
        backoff = backoff.next({ attempt: i, signal: new AbortController().signal, result: { error: new Error('x') } });
        series.push(backoff.duration);
      }
      durations.push(series);
    }
    for (const d of durations.flat()) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(2_000);
    }
    const firsts = new Set(durations.map((s) => Math.round(s[0]!)));
    expect(firsts.size).toBeGreaterThan(1);
    const mean = (i: number): number => durations.reduce((sum, s) => sum + s[i]!, 0) / durations.length;
    expect(mean(4)).toBeGreaterThan(mean(0));
  });
});

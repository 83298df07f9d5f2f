import { describe, expect, it } from '@jest/globals';
import { RepeatThrottle } from './repeat-throttle.js';

describe('RepeatThrottle', () => {
  it('lets the first occurrence of a key through per window and counts the rest into the next one', () => {
    let now = 0;
    const throttle = new RepeatThrottle(5_000, () => now);
    expect(throttle.admit('ECONNREFUSED')).toEqual({});
    for (let i = 0; i < 99; i++) {
      now += 10;
      expect(throttle.admit('ECONNREFUSED')).toBeUndefined();
    }
    now = 5_000;
    expect(throttle.admit('ECONNREFUSED')).toEqual({ repeatedBefore: 99 });
    now = 20_000;
    expect(throttle.admit('ECONNREFUSED')).toEqual({});
  });

  it('throttles each key on its own', () => {
    const throttle = new RepeatThrottle(5_000, () => 0);
    expect(throttle.admit('a')).toEqual({});
    expect(throttle.admit('b')).toEqual({});
    expect(throttle.admit('a')).toBeUndefined();
  });

  it('forgets the oldest key beyond its bound instead of growing', () => {
    const throttle = new RepeatThrottle(5_000, () => 0);
    for (let i = 0; i <= 256; i++) throttle.admit(`key-${i}`);
    expect(throttle.admit('key-0')).toEqual({});
    expect(throttle.admit('key-256')).toBeUndefined();
  });
});

import { describe, expect, it } from '@jest/globals';
import { RateWindow } from './rate-window.js';

describe('RateWindow', () => {
  it('allows `limit` events per window, then says when the next one is allowed', () => {
    const window = new RateWindow(3, 1000);
    expect(window.take(0)).toEqual({ allowed: true });
    expect(window.take(100)).toEqual({ allowed: true });
    expect(window.take(200)).toEqual({ allowed: true });
    expect(window.take(300)).toEqual({ allowed: false, retryAfterMs: 700 });
    // A refused event does not count.
    expect(window.take(999)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(window.take(1000)).toEqual({ allowed: true });
    expect(window.take(1050)).toEqual({ allowed: false, retryAfterMs: 50 });
    expect(window.take(1100)).toEqual({ allowed: true });
  });

  it('slides: a burst at the end of one window and the start of the next is still limited', () => {
    const window = new RateWindow(2, 1000);
    expect(window.take(990).allowed).toBe(true);
    expect(window.take(995).allowed).toBe(true);
    expect(window.take(1010).allowed).toBe(false);
    expect(window.take(1990).allowed).toBe(true);
  });
});

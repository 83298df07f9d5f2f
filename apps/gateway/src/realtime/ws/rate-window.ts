/**
 * A sliding-window counter for one socket: at most `limit` events in any `windowMs`. A ring of
 * the last `limit` timestamps, so memory is fixed and a burst at a window edge cannot double
 * the rate (as a fixed window would allow).
 */
export class RateWindow {
  private readonly stamps: number[];
  private next = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.stamps = new Array<number>(limit).fill(-Infinity);
  }

  /** Records an event at `now` if allowed; otherwise returns the ms until one is allowed. */
  take(now: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const oldest = this.stamps[this.next]!;
    if (now - oldest < this.windowMs) return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(oldest + this.windowMs - now)) };
    this.stamps[this.next] = now;
    this.next = (this.next + 1) % this.limit;
    return { allowed: true };
  }
}

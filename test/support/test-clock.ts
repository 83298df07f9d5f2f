import { Clock } from '#common';

/** Real time plus an offset the test can move forward (token expiry, a customer's return). */
export class TestClock extends Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

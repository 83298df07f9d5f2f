/**
 * Time behind an injectable, so tests can move it (token expiry, the 30-minute return)
 * without sleeping.
 */
export abstract class Clock {
  /** Milliseconds since the epoch. */
  abstract now(): number;
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}

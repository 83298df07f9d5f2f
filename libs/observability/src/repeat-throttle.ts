/** Keys remembered at most; an outage's errors are a handful of distinct messages, so this is never reached in practice. */
const MAX_KEYS = 256;

/**
 * Keeps a flood of one log line to one per window. During an outage the same error repeats on every reconnect attempt
 * and every failed write (hundreds of lines a second per process); the first of each window is logged, carrying how
 * many were swallowed since the previous one (`repeatedBefore`), so the count is never lost, only batched.
 */
export class RepeatThrottle {
  private readonly last = new Map<string, { at: number; repeated: number }>();

  constructor(
    private readonly windowMs = 5_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** undefined: swallow this occurrence of `key`; otherwise log it, with these extra fields. */
  admit(key: string): { repeatedBefore?: number } | undefined {
    const at = this.now();
    const last = this.last.get(key);
    if (last && at - last.at < this.windowMs) {
      last.repeated++;
      return undefined;
    }
    if (!last && this.last.size >= MAX_KEYS) this.last.delete(this.last.keys().next().value!);
    this.last.set(key, { at, repeated: 0 });
    return last?.repeated ? { repeatedBefore: last.repeated } : {};
  }
}

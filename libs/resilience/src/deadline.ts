/** Returned by `raceDeadline` when the deadline won. */
export const DEADLINE_EXCEEDED = Symbol('DEADLINE_EXCEEDED');

/**
 * Resolves with the promise's value, or `DEADLINE_EXCEEDED` after `ms`, whichever comes
 * first. The timer is cleared either way, so a fast answer leaves nothing behind.
 */
export const raceDeadline = <T>(promise: Promise<T>, ms: number): Promise<T | typeof DEADLINE_EXCEEDED> => {
  if (ms <= 0) return Promise.resolve(DEADLINE_EXCEEDED);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof DEADLINE_EXCEEDED>((resolve) => {
    timer = setTimeout(() => resolve(DEADLINE_EXCEEDED), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

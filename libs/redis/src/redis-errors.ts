/** What ioredis says when a command cannot reach Redis: no connection (no offline queue), a dropped one, no answer in time. */
const UNREACHABLE = /Stream isn't writeable|Connection is closed|Command timed out|Reached the max retries per request limit|connect ECONNREFUSED|read ECONNRESET|connect ETIMEDOUT/;

/**
 * Whether a Redis command failed because Redis could not be reached (see RedisService's client options: while it is
 * down a command fails at once, and one unanswered for a second fails too), rather than because of the command.
 */
export const isRedisUnavailable = (error: unknown): boolean => {
  if (!error || typeof error !== 'object') return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === 'MaxRetriesPerRequestError' || (typeof message === 'string' && UNREACHABLE.test(message));
};

/** Socket errors that mean the server could not be reached or the connection was lost. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** What pg and pg-pool say when a connection drops or cannot be made in time. */
const CONNECTION_LOST = /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable/;

/**
 * Whether a database call failed because Postgres could not be reached — refused, dropped, timed out, starting up or
 * shutting down, out of connections — rather than because of the query or its rows: a socket error, pg's own words for
 * a lost connection, or SQLSTATE class 08 (connection exception), 53 (insufficient resources) or 57 (operator
 * intervention). TypeORM keeps pg's error as `driverError`. Anything else, a bug included, is not an outage.
 */
export const isDatabaseUnavailable = (error: unknown): boolean => {
  if (!error || typeof error !== 'object') return false;
  const { code, message, driverError } = error as { code?: unknown; message?: unknown; driverError?: { code?: unknown; message?: unknown } };
  for (const c of [code, driverError?.code]) {
    if (typeof c !== 'string') continue;
    if (/^(08|53|57)[0-9A-Z]{3}$/.test(c) || UNREACHABLE_CODES.has(c)) return true;
  }
  return [message, driverError?.message].some((m) => typeof m === 'string' && CONNECTION_LOST.test(m));
};

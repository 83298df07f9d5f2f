import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header with the Unix time (seconds) the delivery was signed at. */
export const HANDOFF_TIMESTAMP_HEADER = 'X-Fengda-Timestamp';
/** Header with `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export const HANDOFF_SIGNATURE_HEADER = 'X-Fengda-Signature';
/** Webhook secrets look like this; the whole string is the HMAC key. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The signature header value for one delivery. */
export const signHandoffWebhook = (secret: string, timestamp: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

/**
 * What a receiver does (documented in the README): recompute the HMAC over the raw body,
 * compare in constant time, and refuse timestamps outside the tolerance (replays).
 */
export const verifyHandoffWebhook = (
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  options: { nowSec?: number; toleranceSec?: number } = {},
): boolean => {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = options.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(signHandoffWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
};

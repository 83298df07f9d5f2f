import { randomFillSync } from 'node:crypto';

/** W3C Trace Context: `00-<trace-id 32 hex>-<parent-id 16 hex>-<flags 2 hex>`. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export interface TraceContext {
  traceId: string;
  /** This hop's span id; the next hop's parent. */
  spanId: string;
  traceparent: string;
}

// Ids come from a pool of random bytes refilled 4 KB at a time: one randomBytes() call per id was a visible share
// of every request's CPU in the benchmark's profiles (each call enters OpenSSL).
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** `bytes` random bytes as lowercase hex. */
const randomHex = (bytes: number): string => {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += bytes;
  return pool.toString('hex', poolOffset - bytes, poolOffset);
};

/**
 * Continues the caller's trace when it sent a valid `traceparent`, else starts one, and
 * mints this hop's span id. The header travels on in the job, so one turn can be followed
 * from the HTTP request through the worker in both apps' logs.
 */
export const continueTrace = (header: unknown): TraceContext => {
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  const traceId = match && !/^0+$/.test(match[1]!) ? match[1]! : randomHex(16);
  const flags = match ? match[3]! : '01';
  const spanId = randomHex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-${flags}` };
};

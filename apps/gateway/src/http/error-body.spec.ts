import { describe, expect, it } from '@jest/globals';
import { DomainError, ErrorCode } from '#common';
import { createLogger } from '#observability';
import { logServerError, toErrorBody } from './error-body.js';

/** The JSON lines a real (pino) logger writes. */
const capture = (): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'info', app: 'test' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
};

describe('logServerError', () => {
  it('logs a genuine fault at error level with its error id and stack', () => {
    const { logger, lines } = capture();
    const fault = new TypeError('boom');
    const body = toErrorBody(fault);
    logServerError(logger, fault, body, 'req-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ levelName: 'error', msg: 'unhandled error', errorId: body.errorId, requestId: 'req-1' });
    expect(String(lines[0]!.err)).toContain('TypeError: boom');
  });

  it('logs a refusal the gateway chose (a dependency down) as one warn line without a stack', () => {
    const { logger, lines } = capture();
    const refusal = new DomainError(ErrorCode.DependencyUnavailable, 'token check unavailable, retry shortly');
    logServerError(logger, refusal, toErrorBody(refusal), 'req-2');
    expect(lines).toEqual([expect.objectContaining({ levelName: 'warn', msg: 'request refused', code: 'DEPENDENCY_UNAVAILABLE', status: 503, reason: 'token check unavailable, retry shortly', requestId: 'req-2' })]);
    expect(lines[0]).not.toHaveProperty('err');
  });

  it('answers Postgres or Redis being unreachable with a 503 to retry, logged as a refusal with its cause', () => {
    const { logger, lines } = capture();
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const body = toErrorBody(down);
    expect(body).toEqual({ statusCode: 503, code: 'DEPENDENCY_UNAVAILABLE', message: 'database unavailable, retry shortly', details: { retryAfterSec: 2 } });
    logServerError(logger, down, body, 'req-4');
    expect(lines).toEqual([expect.objectContaining({ levelName: 'warn', msg: 'request refused', code: 'DEPENDENCY_UNAVAILABLE', cause: 'connect ECONNREFUSED 127.0.0.1:5432' })]);
    // A query's own error is still a fault.
    expect(toErrorBody(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' })).statusCode).toBe(500);
    expect(toErrorBody(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toMatchObject({ statusCode: 503, code: 'DEPENDENCY_UNAVAILABLE', message: 'Redis unavailable, retry shortly' });
  });

  it('does not log client errors', () => {
    const { logger, lines } = capture();
    const invalid = new DomainError(ErrorCode.ValidationFailed, 'bad');
    logServerError(logger, invalid, toErrorBody(invalid), 'req-3');
    expect(lines).toEqual([]);
  });
});

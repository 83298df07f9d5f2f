import { randomUUID } from 'node:crypto';
import { HttpException } from '@nestjs/common';
import { ErrorCode, isDomainError } from '#common';
import { isDatabaseUnavailable } from '#database';
import { isRedisUnavailable } from '#redis';
import type { Logger } from '#observability';
import { STATUS_BY_CODE } from './error-status.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  errorId?: string;
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ErrorCode.PayloadTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ErrorCode.UnsupportedMediaType,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ErrorCode.InvalidJson,
  FST_ERR_CTP_EMPTY_JSON_BODY: ErrorCode.InvalidJson,
  FST_ERR_CTP_INVALID_JSON_BODY: ErrorCode.InvalidJson,
  FST_ERR_CTP_INSTANCE_ALREADY_STARTED: ErrorCode.Internal,
};

/** Retry-After for a request refused because Postgres or Redis could not be reached. */
const DEPENDENCY_RETRY_AFTER_SEC = 2;

/** The 503 for a request refused because `what` (a dependency) could not be reached. */
export const dependencyUnavailable = (what: string): ErrorBody => ({
  statusCode: 503,
  code: ErrorCode.DependencyUnavailable,
  message: `${what} unavailable, retry shortly`,
  details: { retryAfterSec: DEPENDENCY_RETRY_AFTER_SEC },
});

const HTTP_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MethodNotAllowed,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
  503: ErrorCode.Overloaded,
};

/**
 * Turns anything thrown into `{statusCode, code, message}`. Client mistakes (parse errors,
 * validation, unknown routes) stay 4xx; only genuine faults become a 500, with an error id
 * the caller can quote and the log carries.
 */
export const toErrorBody = (error: unknown): ErrorBody => {
  if (isDomainError(error)) {
    return { statusCode: STATUS_BY_CODE[error.code], code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  }
  // Nest wraps Fastify's own client errors (body parsing, size limit) in an HttpException;
  // the original error says which kind it was.
  const cause = error instanceof HttpException ? (error.cause as FastifyLikeError | undefined) : undefined;
  const fastifyBody = fromFastifyError(cause ?? (error as FastifyLikeError));
  if (fastifyBody) return fastifyBody;
  // Postgres or Redis down or unreachable, for a request that needs it (Postgres: a token for a key not cached, the
  // knowledge base, the admin API, the audit trail; Redis: conversations, revocation): a refusal to retry, not a fault.
  if (isDatabaseUnavailable(error)) return dependencyUnavailable('database');
  if (isRedisUnavailable(error)) return dependencyUnavailable('Redis');
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? error.message);
    return { statusCode: status, code: HTTP_CODES[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.ValidationFailed), message };
  }
  return { statusCode: 500, code: ErrorCode.Internal, message: 'internal error', errorId: randomUUID() };
};

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

const fromFastifyError = (error: FastifyLikeError | undefined): ErrorBody | null => {
  if (!error || typeof error !== 'object') return null;
  if (typeof error.code === 'string' && error.code in FASTIFY_CODES) {
    const code = FASTIFY_CODES[error.code]!;
    return { statusCode: STATUS_BY_CODE[code], code, message: error.message ?? code };
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    // Other client errors raised while reading the request: malformed JSON, prototype poisoning.
    const code = error.statusCode === 400 ? ErrorCode.InvalidJson : (HTTP_CODES[error.statusCode] ?? ErrorCode.ValidationFailed);
    return { statusCode: error.statusCode, code, message: error.message ?? 'bad request' };
  }
  return null;
};

/**
 * Logs an error response of 500 or more. A genuine fault (it has an error id) at error level, with its stack; a refusal
 * the gateway chose — a dependency down, the service overloaded (503 with a stable code) — as one warn line without a
 * stack: during a Redis outage every turn is refused that way, and a stack per turn buried the log in "unhandled
 * error" lines for what is handled.
 */
export const logServerError = (logger: Logger, exception: unknown, body: ErrorBody, requestId: string): void => {
  if (body.statusCode < 500) return;
  if (body.errorId) logger.error({ errorId: body.errorId, err: (exception as Error)?.stack ?? String(exception), requestId }, 'unhandled error');
  else {
    // A dependency's own error (not one the gateway raised) says what failed: "connect ECONNREFUSED 10.0.3.7:5432".
    const cause = isDomainError(exception) ? undefined : (exception as Error | undefined)?.message;
    logger.warn({ code: body.code, status: body.statusCode, reason: body.message, ...(cause ? { cause } : {}), requestId }, 'request refused');
  }
};

import { randomUUID } from 'node:crypto';
import { HttpException } from '@nestjs/common';
import { ErrorCode, isDomainError } from '#common';
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
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : String((response as { message?: unknown }).message ?? error.message);
    return { statusCode: status, code: HTTP_CODES[status] ?? (status >= 500 ? ErrorCode.Internal : ErrorCode.ValidationFailed), message };
  }
  const fastifyError = error as { code?: string; statusCode?: number; message?: string };
  if (typeof fastifyError.code === 'string' && fastifyError.code in FASTIFY_CODES) {
    const code = FASTIFY_CODES[fastifyError.code]!;
    return { statusCode: STATUS_BY_CODE[code], code, message: fastifyError.message ?? code };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    // Other Fastify client errors: malformed JSON, prototype poisoning, bad headers.
    const code = fastifyError.statusCode === 400 ? ErrorCode.InvalidJson : (HTTP_CODES[fastifyError.statusCode] ?? ErrorCode.ValidationFailed);
    return { statusCode: fastifyError.statusCode, code, message: fastifyError.message ?? 'bad request' };
  }
  return { statusCode: 500, code: ErrorCode.Internal, message: 'internal error', errorId: randomUUID() };
};

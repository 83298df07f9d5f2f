import type { ErrorBody } from '../../http/error-body.js';

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'conflict_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};

/**
 * The gateway's error body plus OpenAI's `error` object, which OpenAI SDKs read for the
 * message and code (`err.error.code` is Fengda's stable code).
 */
export const openAiError = (body: ErrorBody): ErrorBody & { error: { message: string; type: string; code: string; param: null } } => ({
  ...body,
  error: { message: body.message, type: TYPE_BY_STATUS[body.statusCode] ?? (body.statusCode >= 500 ? 'server_error' : 'invalid_request_error'), code: body.code, param: null },
});

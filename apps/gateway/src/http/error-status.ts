import { ErrorCode } from '#common';

/** The one place domain error codes become HTTP statuses. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  [ErrorCode.ValidationFailed]: 400,
  [ErrorCode.InvalidJson]: 400,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.UnsupportedMediaType]: 415,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.InvalidToken]: 401,
  [ErrorCode.TokenExpired]: 401,
  [ErrorCode.InvalidApiKey]: 401,
  [ErrorCode.InvalidAdminToken]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.TenantDisabled]: 403,
  [ErrorCode.TenantNotFound]: 404,
  [ErrorCode.TenantExists]: 409,
  [ErrorCode.ApiKeyNotFound]: 404,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.MethodNotAllowed]: 405,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.TurnInProgress]: 409,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.ClientClosed]: 499,
  [ErrorCode.Overloaded]: 503,
  [ErrorCode.DependencyUnavailable]: 503,
  [ErrorCode.Internal]: 500,
};

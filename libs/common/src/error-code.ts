/**
 * Stable, machine-readable error codes. Clients switch on these, so never rename one;
 * add new codes instead. The gateway maps each code to an HTTP status in one place.
 */
export enum ErrorCode {
  ValidationFailed = 'VALIDATION_FAILED',
  InvalidJson = 'INVALID_JSON',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  Unauthenticated = 'UNAUTHENTICATED',
  InvalidToken = 'INVALID_TOKEN',
  TokenExpired = 'TOKEN_EXPIRED',
  InvalidApiKey = 'INVALID_API_KEY',
  InvalidAdminToken = 'INVALID_ADMIN_TOKEN',
  Forbidden = 'FORBIDDEN',
  TenantDisabled = 'TENANT_DISABLED',
  TenantNotFound = 'TENANT_NOT_FOUND',
  TenantExists = 'TENANT_EXISTS',
  ApiKeyNotFound = 'API_KEY_NOT_FOUND',
  NotFound = 'NOT_FOUND',
  MethodNotAllowed = 'METHOD_NOT_ALLOWED',
  Conflict = 'CONFLICT',
  TurnInProgress = 'TURN_IN_PROGRESS',
  RateLimited = 'RATE_LIMITED',
  ClientClosed = 'CLIENT_CLOSED_REQUEST',
  Overloaded = 'OVERLOADED',
  DependencyUnavailable = 'DEPENDENCY_UNAVAILABLE',
  Internal = 'INTERNAL_ERROR',
  /** A secret stored at rest did not decrypt (wrong or missing SECRETS_ENCRYPTION_KEY version). */
  SecretUnreadable = 'SECRET_UNREADABLE',
  KbEntryNotFound = 'KB_ENTRY_NOT_FOUND',
  KbEntryExists = 'KB_ENTRY_EXISTS',
  KbImportInvalid = 'KB_IMPORT_INVALID',
  /** The end user's tokens were revoked (`POST /v1/auth/revoke`): get a new one. */
  TokenRevoked = 'TOKEN_REVOKED',
}

import { ErrorCode } from './error-code.js';

/**
 * The one error type libraries throw. It carries a stable code and never an HTTP status:
 * the worker uses the same libraries, and only the gateway knows about HTTP.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;

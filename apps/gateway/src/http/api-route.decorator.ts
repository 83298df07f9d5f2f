import { applyDecorators, type Type } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../dto/error-response.dto.js';

export type RouteAuth = 'admin' | 'apiKey' | 'endUser' | 'none';

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (`VALIDATION_FAILED`, `INVALID_JSON`)',
  401: 'Missing or invalid credential (`UNAUTHENTICATED`, `INVALID_TOKEN`, `TOKEN_EXPIRED`, `INVALID_API_KEY`, `INVALID_ADMIN_TOKEN`)',
  403: 'Credential of another tenant, or tenant disabled (`FORBIDDEN`, `TENANT_DISABLED`)',
  404: 'Not found (`TENANT_NOT_FOUND`, `API_KEY_NOT_FOUND`, `NOT_FOUND`)',
  409: 'Conflict (`TENANT_EXISTS`, `TURN_IN_PROGRESS`, `CONFLICT`)',
  413: 'Body too large (`PAYLOAD_TOO_LARGE`)',
  503: 'A dependency is unavailable (`DEPENDENCY_UNAVAILABLE`)',
};

/** Swagger for one route in one decorator: summary, auth scheme, success type and error codes. */
export const ApiRoute = (options: {
  summary: string;
  description?: string;
  auth: RouteAuth;
  status?: number;
  type?: Type<unknown> | [Type<unknown>];
  okDescription?: string;
  errors?: number[];
}): MethodDecorator & ClassDecorator => {
  const errors = new Set([...(options.auth === 'none' ? [] : [401]), ...(options.errors ?? [])]);
  return applyDecorators(
    ApiOperation({ summary: options.summary, description: options.description }),
    ...(options.auth === 'none' ? [] : [ApiBearerAuth(options.auth)]),
    ApiResponse({ status: options.status ?? 200, type: options.type, description: options.okDescription ?? 'OK' }),
    ...[...errors].sort().map((status) => ApiResponse({ status, type: ErrorResponseDto, description: ERROR_TEXT[status] ?? 'Error' })),
  );
};

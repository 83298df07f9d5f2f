import { DomainError, ErrorCode } from '#common';
import type { AuthedRequest } from './principal.js';

/**
 * Integrators serving several tenants may name the tenant they mean in `X-Tenant-Id`; a
 * credential of another tenant is then refused outright instead of silently answering from
 * its own tenant.
 */
export const assertTenantHeader = (request: AuthedRequest, tenantId: string): void => {
  const named = request.headers['x-tenant-id'];
  if (named !== undefined && named !== tenantId) {
    throw new DomainError(ErrorCode.Forbidden, 'credential belongs to another tenant');
  }
};

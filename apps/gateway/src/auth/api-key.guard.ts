import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';
import { LogContexts } from '#observability';
import { ApiKeyAuthService } from '#tenancy';
import { bearerOf, type AuthedRequest } from './principal.js';
import { assertTenantHeader } from './tenant-header.js';

/** Tenant routes: `Authorization: Bearer <tenant API key>`. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeyAuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const key = bearerOf(request);
    if (!key) throw new DomainError(ErrorCode.Unauthenticated, 'tenant API key required');
    const principal = await this.keys.authenticate(key);
    LogContexts.assign({ tenantId: principal.tenant.id });
    assertTenantHeader(request, principal.tenant.id);
    request.principal = { kind: 'apiKey', ...principal };
    return true;
  }
}

import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { EndUserTokenService } from '#auth';
import { DomainError, ErrorCode } from '#common';
import { LogContexts } from '#observability';
import { TenantCacheService } from '#tenancy';
import { bearerOf, type AuthedRequest } from './principal.js';
import { assertTenantHeader } from './tenant-header.js';

/**
 * Chat routes: the end-user JWT alone routes the turn. The tenant comes from the in-memory
 * cache, so an authenticated turn costs no database query and no Redis round trip here: the
 * token's revocation and the rate limits are checked by the turn itself (ChatTurnService, in the
 * script that opens the turn), on every chat channel alike.
 */
@Injectable()
export class EndUserGuard implements CanActivate {
  constructor(
    private readonly tokens: EndUserTokenService,
    private readonly tenants: TenantCacheService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerOf(request);
    if (!token) throw new DomainError(ErrorCode.Unauthenticated, 'end-user token required');
    const claims = this.tokens.verify(token);
    LogContexts.assign({ tenantId: claims.tenantId });
    const tenant = await this.tenants.get(claims.tenantId);
    if (!tenant) throw new DomainError(ErrorCode.TenantNotFound, 'tenant not found');
    if (tenant.status !== 'active') throw new DomainError(ErrorCode.TenantDisabled, 'tenant is disabled');
    assertTenantHeader(request, tenant.id);
    request.principal = { kind: 'endUser', tenant, claims };
    return true;
  }
}

import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { EndUserTokenService, TokenRevocationService } from '#auth';
import { DomainError, ErrorCode } from '#common';
import { LogContexts } from '#observability';
import { RateLimiter } from '#rate-limit';
import { TenantCacheService } from '#tenancy';
import { admitEndUserTurn } from './end-user-admission.js';
import { bearerOf, type AuthedRequest } from './principal.js';
import { assertTenantHeader } from './tenant-header.js';

/**
 * Chat routes: the end-user JWT alone routes the turn. The tenant comes from the in-memory
 * cache, so an authenticated turn costs no database query; revocation is one Redis GET and
 * admission (the tenant's and the user's rate limits) one script call, sent together. Every route behind
 * this guard is a chat turn, which is why admission lives here: REST and SSE get it alike.
 */
@Injectable()
export class EndUserGuard implements CanActivate {
  constructor(
    private readonly tokens: EndUserTokenService,
    private readonly revocations: TokenRevocationService,
    private readonly tenants: TenantCacheService,
    private readonly limiter: RateLimiter,
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
    await admitEndUserTurn(this.revocations, this.limiter, tenant, claims);
    request.principal = { kind: 'endUser', tenant, claims };
    return true;
  }
}

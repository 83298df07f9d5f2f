import { Injectable } from '@nestjs/common';
import { EndUserTokenService, TokenRevocationService, type EndUserClaims } from '#auth';
import { DomainError, ErrorCode } from '#common';
import { TenantCacheService, type TenantSnapshot } from '#tenancy';

/** An authenticated end user of a streaming channel. */
export interface EndUserSession {
  tenant: TenantSnapshot;
  claims: EndUserClaims;
}

/**
 * The end-user check of `EndUserGuard`, callable outside an HTTP route: the WebSocket
 * handshake and `auth` frame have no ExecutionContext. Same rules: valid JWT, tenant exists
 * (404 semantics) and is active (403), optional `X-Tenant-Id` must match, token not revoked.
 */
@Injectable()
export class EndUserAuthenticator {
  constructor(
    private readonly tokens: EndUserTokenService,
    private readonly revocations: TokenRevocationService,
    private readonly tenants: TenantCacheService,
  ) {}

  async authenticate(token: string | undefined, namedTenant?: string): Promise<EndUserSession> {
    if (!token) throw new DomainError(ErrorCode.Unauthenticated, 'end-user token required');
    const claims = this.tokens.verify(token);
    const tenant = await this.activeTenant(claims.tenantId);
    if (namedTenant !== undefined && namedTenant !== tenant.id) throw new DomainError(ErrorCode.Forbidden, 'credential belongs to another tenant');
    await this.revocations.assertNotRevoked(claims);
    return { tenant, claims };
  }

  /**
   * The tenant as it is now (config changes and disabling apply to open sockets from their
   * next message); served from the in-memory cache.
   */
  async activeTenant(tenantId: string): Promise<TenantSnapshot> {
    const tenant = await this.tenants.get(tenantId);
    if (!tenant) throw new DomainError(ErrorCode.TenantNotFound, 'tenant not found');
    if (tenant.status !== 'active') throw new DomainError(ErrorCode.TenantDisabled, 'tenant is disabled');
    return tenant;
  }
}

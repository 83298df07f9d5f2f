import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { DomainError, ErrorCode, isDomainError } from '#common';
import { LogContexts } from '#observability';
import { AuthFailureLimiter, ClientIpResolver } from '#rate-limit';
import { ApiKeyAuthService, type ApiKeyPrincipal } from '#tenancy';
import { clientIpOf } from '../http/rate-limit-client-ip.js';
import { bearerOf, type AuthedRequest } from './principal.js';
import { assertTenantHeader } from './tenant-header.js';

/**
 * Tenant routes: `Authorization: Bearer <tenant API key>`. Invalid keys are counted per client
 * IP; past the limit the IP gets 429 for the minute.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly keys: ApiKeyAuthService,
    private readonly failures: AuthFailureLimiter,
    private readonly ips: ClientIpResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const key = bearerOf(request);
    if (!key) throw new DomainError(ErrorCode.Unauthenticated, 'tenant API key required');
    const ip = clientIpOf(this.ips, request);
    await this.failures.assertNotBlocked('apiKey', ip);
    let principal: ApiKeyPrincipal;
    try {
      principal = await this.keys.authenticate(key);
    } catch (error) {
      if (isDomainError(error) && error.code === ErrorCode.InvalidApiKey) await this.failures.recordFailure('apiKey', ip);
      throw error;
    }
    LogContexts.assign({ tenantId: principal.tenant.id });
    assertTenantHeader(request, principal.tenant.id);
    request.principal = { kind: 'apiKey', ...principal };
    return true;
  }
}

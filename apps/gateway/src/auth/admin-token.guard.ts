import { timingSafeEqual, createHash } from 'node:crypto';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';
import { AppConfig } from '#config';
import { AuthFailureLimiter, ClientIpResolver } from '#rate-limit';
import { clientIpOf } from '../http/rate-limit-client-ip.js';
import { bearerOf, type AuthedRequest } from './principal.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Platform-operator routes: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time.
 * Wrong tokens are counted per client IP; past the limit the IP gets 429 for the minute.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(
    config: AppConfig,
    private readonly failures: AuthFailureLimiter,
    private readonly ips: ClientIpResolver,
  ) {
    this.expected = digest(config.auth.adminToken);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerOf(request);
    if (!token) throw new DomainError(ErrorCode.Unauthenticated, 'admin token required');
    const ip = clientIpOf(this.ips, request);
    await this.failures.assertNotBlocked('admin', ip);
    if (!timingSafeEqual(digest(token), this.expected)) {
      await this.failures.recordFailure('admin', ip);
      throw new DomainError(ErrorCode.InvalidAdminToken, 'admin token is not valid');
    }
    request.principal = { kind: 'admin' };
    return true;
  }
}

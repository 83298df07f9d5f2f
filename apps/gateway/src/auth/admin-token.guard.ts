import { timingSafeEqual, createHash } from 'node:crypto';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';
import { AppConfig } from '#config';
import { bearerOf, type AuthedRequest } from './principal.js';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Platform-operator routes: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(config: AppConfig) {
    this.expected = digest(config.auth.adminToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerOf(request);
    if (!token) throw new DomainError(ErrorCode.Unauthenticated, 'admin token required');
    if (!timingSafeEqual(digest(token), this.expected)) throw new DomainError(ErrorCode.InvalidAdminToken, 'admin token is not valid');
    request.principal = { kind: 'admin' };
    return true;
  }
}

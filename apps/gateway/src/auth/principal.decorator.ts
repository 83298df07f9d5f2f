import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';
import type { AuthedRequest, Principal } from './principal.js';

type Of<K extends Principal['kind']> = Extract<Principal, { kind: K }>;

const principalOf = <K extends Principal['kind']>(kind: K, context: ExecutionContext): Of<K> => {
  const principal = context.switchToHttp().getRequest<AuthedRequest>().principal;
  // A guard always runs first; reaching this means a route lacks its guard: fail closed.
  if (principal?.kind !== kind) throw new DomainError(ErrorCode.Unauthenticated, 'not authenticated');
  return principal as Of<K>;
};

/** The API-key principal of a tenant route. */
export const ApiKeyPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext) => principalOf('apiKey', ctx));

/** The end-user principal of a chat route. */
export const EndUserPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext) => principalOf('endUser', ctx));

/** The request id, for handing to services that log or enqueue. */
export const RequestId = createParamDecorator((_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<AuthedRequest>().id);

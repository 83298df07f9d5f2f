import type { FastifyRequest } from 'fastify';
import type { EndUserClaims } from '#auth';
import type { TenantSnapshot } from '#tenancy';

/** Who is calling, as established by a guard. */
export type Principal =
  | { kind: 'admin' }
  | { kind: 'apiKey'; tenant: TenantSnapshot; keyId: string; keyPrefix: string }
  | { kind: 'endUser'; tenant: TenantSnapshot; claims: EndUserClaims };

export type AuthedRequest = FastifyRequest & { principal?: Principal };

/** The bearer credential of a request, or null. */
export const bearerOf = (request: FastifyRequest): string | null => {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
};

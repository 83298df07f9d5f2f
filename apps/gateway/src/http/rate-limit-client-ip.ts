import type { FastifyRequest } from 'fastify';
import type { ClientIpResolver } from '#rate-limit';

/**
 * The client address the per-IP limits count against. Not `request.ip`: that believes any
 * `X-Forwarded-For` (trustProxy is on), which would let a client pick its own bucket.
 */
export const clientIpOf = (resolver: ClientIpResolver, request: FastifyRequest): string =>
  resolver.resolve(request.raw.socket?.remoteAddress, request.headers['x-forwarded-for']);

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MetricsService } from './metrics.service.js';

/** Records every response's latency by route template (never the raw URL: bounded labels), on cached children. */
export const registerHttpMetrics = (fastify: FastifyInstance, metrics: MetricsService): void => {
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    metrics.child(metrics.httpDuration, labels).observe(reply.elapsedTime / 1000);
    done();
  });
};

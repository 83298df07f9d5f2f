import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MetricsService } from './metrics.service.js';

type Observer = { observe(seconds: number): void };

/**
 * Records every response's latency by route template (never the raw URL: bounded labels). The labelled child of
 * each (method, route, status) is looked up once and kept: prom-client hashes the label object on every
 * `observe(labels, …)`, a visible cost per request in the benchmark's profiles.
 */
export const registerHttpMetrics = (fastify: FastifyInstance, metrics: MetricsService): void => {
  const children = new Map<string, Observer>();
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = metrics.httpDuration.labels({ method: request.method, route, status: String(reply.statusCode) });
      children.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });
};

import { createHash, timingSafeEqual } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bullmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { QueueName } from '#queue';
import { RedisService } from '#redis';
import { dependencyUnavailable } from './error-body.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** The admin token from `Authorization: Bearer …`, or as the password of Basic auth (what a browser prompt sends). */
const presentedToken = (request: FastifyRequest): string | null => {
  const header = request.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
};

/**
 * Bull Board for operators at /admin/queues, behind the admin token: jobs per queue and state,
 * retry or remove failed jobs. Registered as an encapsulated Fastify plugin so the auth hook
 * guards only the dashboard.
 */
export const registerQueueDashboard = async (app: NestFastifyApplication, adminToken: string): Promise<void> => {
  const expected = digest(adminToken);
  const redis = app.get(RedisService);
  const queues = Object.values(QueueName).map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name))));
  const server = new FastifyAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues, serverAdapter: server, options: { uiConfig: { boardTitle: 'Fengda queues' } } });
  await app.register(async (scope: FastifyInstance) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const token = presentedToken(request);
      if (!token || !timingSafeEqual(digest(token), expected)) {
        await reply
          .status(401)
          .header('www-authenticate', 'Basic realm="fengda-admin", charset="UTF-8"')
          .send({ statusCode: 401, code: 'INVALID_ADMIN_TOKEN', message: 'admin token required' });
        return;
      }
      // The board's API reads the queues through BullMQ's connections, which wait for Redis without limit: while Redis
      // is unreachable (the app's own connection to the same server is down) answer at once instead of hanging.
      if (request.url.startsWith(`${QUEUE_DASHBOARD_PATH}/api/`) && redis.client.status !== 'ready') {
        const body = dependencyUnavailable('Redis');
        await reply.status(body.statusCode).header('retry-after', String(body.details!.retryAfterSec)).send(body);
      }
    });
    await scope.register(server.registerPlugin() as never, { prefix: QUEUE_DASHBOARD_PATH });
  });
};

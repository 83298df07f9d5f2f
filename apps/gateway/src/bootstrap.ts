import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ErrorCode, inputProblem } from '#common';
import type { CoreOptions } from '#config';
import { MetricsService, registerHttpMetrics } from '#metrics';
import { continueTrace, LogContexts, NestPinoLogger } from '#observability';
import { GatewayModule } from './gateway.module.js';
import { AllExceptionsFilter } from './http/all-exceptions.filter.js';
import { registerBodyParsers } from './http/body-parsers.js';
import { registerQueueDashboard } from './http/queue-dashboard.js';
import { createValidationPipe } from './http/validation.pipe.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Builds the gateway (not yet listening): used by `main.ts` and by the end-to-end tests. */
export const createGatewayApp = async (core: CoreOptions): Promise<NestFastifyApplication> => {
  const { config, logger } = core;
  const adapter = new FastifyAdapter({
    bodyLimit: config.runtime.bodyLimit,
    // Accept the caller's request id when it is tame, so one id follows a request across systems.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Ids and user ids are valid up to 128 characters, up to 384 once percent-encoded (":" and "@");
    // Fastify's default (100) answered 414 for valid ones, so entries and conversations were unreachable.
    routerOptions: { maxParamLength: 512 },
    // Malformed percent-escapes and the like answer in Fengda's error shape, not Fastify's.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      void reply.status(400).send({ statusCode: 400, code: ErrorCode.ValidationFailed, message: error.message });
    },
    trustProxy: true,
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(core), adapter, {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(logger));
  registerBodyParsers(app);

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    void reply.header('x-request-id', request.id);
    const trace = continueTrace(request.headers.traceparent);
    void reply.header('traceparent', trace.traceparent);
    LogContexts.run({ requestId: request.id, traceId: trace.traceId, traceparent: trace.traceparent, summary: {} }, done);
  });
  fastify.addHook('preValidation', (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    // Text bodies (KB import) are checked line by line by their route, which names the line.
    const body = typeof request.body === 'string' ? undefined : request.body;
    const problem = inputProblem(body) ?? inputProblem(request.query) ?? inputProblem(request.params);
    done(problem ? new DomainError(ErrorCode.ValidationFailed, problem) : undefined);
  });
  registerHttpMetrics(fastify, app.get(MetricsService));
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    // One line per request; a chat turn's summary (seq, source, latencyMs) rides on it (LogContexts.summarize).
    logger.info(
      {
        requestId: request.id, method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10,
        ...LogContexts.current()?.summary,
      },
      'request',
    );
    done();
  });
  setupSwagger(app);
  await registerQueueDashboard(app, config.auth.adminToken);
  await app.init();
  return app;
};

const setupSwagger = (app: NestFastifyApplication): void => {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Fengda API')
      .setDescription(
        'Multi-tenant AI customer service. Errors are `{statusCode, code, message}` with a stable `code`.\n\n' +
          'Auth: the platform operator uses `ADMIN_TOKEN`; a tenant backend uses its API key; an end user uses the short-lived JWT from `POST /v1/auth/token`.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' }, 'admin')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Tenant API key (fdk_…)' }, 'apiKey')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'End-user token' }, 'endUser')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
};

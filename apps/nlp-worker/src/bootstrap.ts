import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CoreOptions } from '#config';
import { MetricsService, registerHttpMetrics } from '#metrics';
import { NestPinoLogger } from '#observability';
import { WorkerModule } from './worker.module.js';

/** Builds the worker (consumers start on init; the probe port is opened by the caller). */
export const createWorkerApp = async (core: CoreOptions): Promise<NestFastifyApplication> => {
  const app = await NestFactory.create<NestFastifyApplication>(WorkerModule.forRoot(core), new FastifyAdapter({ logger: false }), {
    logger: new NestPinoLogger(core.logger),
    abortOnError: false,
  });
  registerHttpMetrics(app.getHttpAdapter().getInstance(), app.get(MetricsService));
  await app.init();
  return app;
};

import 'reflect-metadata';
import { AppConfig } from '#config';
import { DrainState } from '#health';
import { createLogger } from '#observability';
import { createGatewayApp } from './bootstrap.js';

const config = AppConfig.fromEnv();
const logger = createLogger({ level: config.runtime.logLevel, app: 'gateway' });
const app = await createGatewayApp({ config, logger });
await app.listen({ port: config.runtime.port, host: config.runtime.host });
logger.info({ port: config.runtime.port }, 'gateway listening');

// Readiness turns false first, so the load balancer stops routing here; then in-flight
// requests finish (Fastify's close waits for them) within the grace period.
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'draining');
  app.get(DrainState).begin();
  const force = setTimeout(() => {
    logger.error('drain grace period exceeded; exiting');
    process.exit(1);
  }, config.runtime.shutdownGraceMs + 1_000);
  force.unref();
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

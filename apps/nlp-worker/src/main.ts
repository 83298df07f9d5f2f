import 'reflect-metadata';
import { AppConfig } from '#config';
import { DrainState } from '#health';
import { createLogger } from '#observability';
import { createWorkerApp } from './bootstrap.js';

const config = AppConfig.fromEnv();
const logger = createLogger({ level: config.runtime.logLevel, app: 'nlp-worker' });
const app = await createWorkerApp({ config, logger });
await app.listen({ port: config.runtime.workerPort, host: config.runtime.host });
logger.info({ port: config.runtime.workerPort }, 'worker running');

// Closing the app closes the BullMQ workers, which finish (and acknowledge) their active jobs
// before resolving: nothing in flight is lost.
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

import 'reflect-metadata';
import { AppConfig } from '#config';
import { exitOnSignals } from '#health';
import { createLogger } from '#observability';
import { createWorkerApp } from './bootstrap.js';

const config = AppConfig.fromEnv();
const logger = createLogger({ level: config.runtime.logLevel, app: 'nlp-worker' });
const app = await createWorkerApp({ config, logger });
await app.listen({ port: config.runtime.workerPort, host: config.runtime.host });
logger.info({ port: config.runtime.workerPort }, 'worker running');
exitOnSignals(app, { graceMs: config.runtime.shutdownGraceMs, logger });

import 'reflect-metadata';
import { AppConfig } from '#config';
import { exitOnSignals } from '#health';
import { createLogger } from '#observability';
import { createGatewayApp } from './bootstrap.js';

const config = AppConfig.fromEnv();
const logger = createLogger({ level: config.runtime.logLevel, app: 'gateway' });
const app = await createGatewayApp({ config, logger });
await app.listen({ port: config.runtime.port, host: config.runtime.host });
logger.info({ port: config.runtime.port }, 'gateway listening');
exitOnSignals(app, { graceMs: config.runtime.shutdownGraceMs, logger });

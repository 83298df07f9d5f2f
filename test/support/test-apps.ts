import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { createGatewayApp } from '../../apps/gateway/src/bootstrap.js';
import { createWorkerApp } from '../../apps/nlp-worker/src/bootstrap.js';
import { AppConfig } from '#config';
import { createLogger } from '#observability';
import type { TestClock } from './test-clock.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** Configuration of this test run: its own database and Redis prefix (set by global setup). */
export const testConfig = (overrides: Record<string, string> = {}): AppConfig =>
  AppConfig.fromEnv({
    NODE_ENV: 'test',
    DATABASE_URL: required('FENGDA_TEST_APP_DATABASE_URL'),
    MIGRATION_DATABASE_URL: required('FENGDA_TEST_DATABASE_URL'),
    REDIS_URL: required('FENGDA_TEST_REDIS_URL'),
    REDIS_PREFIX: required('FENGDA_TEST_REDIS_PREFIX'),
    ADMIN_TOKEN,
    JWT_SECRET: 'test-jwt-secret-0123456789abcdef0123456789',
    LOG_LEVEL: 'warn',
    WORKER_CONCURRENCY: '16',
    ...overrides,
  });

export interface RunningApp {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

export interface AppOptions {
  clock?: TestClock;
  logger?: Logger;
  env?: Record<string, string>;
}

const start = async (kind: 'gateway' | 'worker', options: AppOptions): Promise<RunningApp> => {
  const config = testConfig(options.env);
  const logger = options.logger ?? createLogger({ level: 'warn', app: kind });
  const core = { config, logger, ...(options.clock ? { clock: options.clock } : {}) };
  const app = kind === 'gateway' ? await createGatewayApp(core) : await createWorkerApp(core);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  let closed = false;
  return {
    app,
    url,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
};

/** Boots the real gateway on a free port, in this process, over real HTTP. */
export const startGateway = (options: AppOptions = {}): Promise<RunningApp> => start('gateway', options);

/** Boots the real worker (BullMQ consumers and its probe port). */
export const startWorker = (options: AppOptions = {}): Promise<RunningApp> => start('worker', options);

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (global setup creates it)`);
  return value;
}

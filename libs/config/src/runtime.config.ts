import type { EnvReader } from './env-reader.js';

export interface RuntimeConfig {
  production: boolean;
  logLevel: string;
  /** Gateway HTTP port. */
  port: number;
  /** Worker health/metrics port. */
  workerPort: number;
  host: string;
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  /** How many answer jobs one worker process runs at once. */
  workerConcurrency: number;
  /** Most turns in one answer job, of any tenants (see AnswerDispatcher). */
  answerBatchMaxSize: number;
  /** Unanswered shares of answer jobs per tenant per gateway before the tenant's further turns wait (see AnswerDispatcher). */
  answerBatchMaxInFlight: number;
  /** How long a draining process may take to finish in-flight work. */
  shutdownGraceMs: number;
  /** Shed new turns when the oldest waiting answer job is older than this (queue lag). */
  admissionMaxLagMs: number;
  /** …or when this many answer jobs wait. */
  admissionMaxDepth: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const readRuntimeConfig = (env: EnvReader): RuntimeConfig => {
  const logLevel = env.string('LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) env.problem(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    production: env.string('NODE_ENV', 'development') === 'production',
    logLevel,
    port: env.int('PORT', 3000, 0, 65_535),
    workerPort: env.int('WORKER_PORT', 3001, 0, 65_535),
    host: env.string('HOST', '0.0.0.0'),
    bodyLimit: env.int('BODY_LIMIT_BYTES', 64 * 1024, 1024, 50 * 1024 * 1024),
    workerConcurrency: env.int('WORKER_CONCURRENCY', 64, 1, 1000),
    answerBatchMaxSize: env.int('ANSWER_BATCH_MAX_SIZE', 32, 1, 1000),
    answerBatchMaxInFlight: env.int('ANSWER_BATCH_MAX_IN_FLIGHT', 2, 1, 1000),
    shutdownGraceMs: env.int('SHUTDOWN_GRACE_MS', 25_000, 0, 600_000),
    admissionMaxLagMs: env.int('ADMISSION_MAX_LAG_MS', 1_000, 10, 600_000),
    admissionMaxDepth: env.int('ADMISSION_MAX_DEPTH', 50_000, 1, 10_000_000),
  };
};

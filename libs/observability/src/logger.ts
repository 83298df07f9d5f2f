import pino, { type DestinationStream, type Logger } from 'pino';
import { LogContexts } from './log-context.js';

export type { Logger } from 'pino';

/**
 * The process's root logger: JSON lines on stdout, each stamped with the active tenant and
 * request (from the log context) so one tenant's lines can be found and nobody else's
 * appear among them.
 */
export const createLogger = (options: { level: string; app: string }, destination?: DestinationStream): Logger =>
  pino(
    {
    level: options.level,
    base: { app: options.app },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: { level: (label, number) => ({ level: number, levelName: label }) },
    mixin: () => {
      const ctx = LogContexts.current();
      return ctx ? { ...ctx } : {};
    },
    // Belt and braces: these fields must never reach a log line even if someone logs a request.
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'apiKey', 'token', 'password', 'query', 'answer'],
      censor: '[redacted]',
    },
    },
    destination,
  );

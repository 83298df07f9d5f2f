import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import { DrainState } from './drain-state.service.js';

export interface ShutdownOptions {
  /** Longest the drain may take before the process gives up and exits non-zero. */
  graceMs: number;
  logger: Logger;
  /** Called once the app is closed (main.ts exits the process; tests don't). */
  onClosed?: (code: number) => void;
}

/**
 * The drain both apps run on SIGTERM: readiness turns false at once (the load balancer stops
 * routing here), then `app.close()` stops accepting connections, lets in-flight requests
 * finish (Fastify answers 503 to requests arriving on kept-alive connections meanwhile, so
 * clients retry elsewhere), closes WebSockets with 1012 and closes the BullMQ workers, which
 * finish and acknowledge their active jobs. Returns the exit code: 0, or 1 when the grace
 * period ran out.
 */
export const drainAndClose = async (app: INestApplication, options: ShutdownOptions): Promise<number> => {
  app.get(DrainState).begin();
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<number>((resolve) => {
    timer = setTimeout(() => resolve(1), options.graceMs);
  });
  const closed = app.close().then(() => 0);
  const code = await Promise.race([closed, timedOut]);
  clearTimeout(timer);
  if (code === 0) options.logger.info({ ms: Date.now() - started }, 'drained');
  else options.logger.error({ graceMs: options.graceMs }, 'drain grace period exceeded');
  options.onClosed?.(code);
  return code;
};

/** Installs SIGTERM/SIGINT handlers that drain once and exit. */
export const exitOnSignals = (app: INestApplication, options: Omit<ShutdownOptions, 'onClosed'>): void => {
  let draining = false;
  const onSignal = (signal: string): void => {
    if (draining) return;
    draining = true;
    options.logger.info({ signal }, 'draining');
    void drainAndClose(app, {
      ...options,
      onClosed: (code) => {
        options.logger.flush();
        process.exit(code);
      },
    });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
};

import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line of a request or job carries. */
export interface LogContext {
  requestId?: string;
  tenantId?: string;
  jobId?: string;
  /** W3C trace id of the turn, shared by the gateway's and the worker's lines. */
  traceId?: string;
  /** The `traceparent` to hand to the next hop (the job). */
  traceparent?: string;
  /**
   * Present on an HTTP request's context: fields its one access-log line carries (a chat turn's seq, source and
   * latency), so a turn over HTTP costs one log line, not two. Never stamped on other lines.
   */
  summary?: Record<string, unknown>;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Cross-cutting context only (logging), per the house style: domain code gets the tenant as
 * an argument. A mutable object so a guard can add the tenant after the request started.
 */
export const LogContexts = {
  run<T>(context: LogContext, fn: () => T): T {
    return storage.run(context, fn);
  },
  /** Enters a context for the rest of the current async flow (Fastify hooks have no callback to wrap). */
  enter(context: LogContext): void {
    storage.enterWith(context);
  },
  current(): LogContext | undefined {
    return storage.getStore();
  },
  /**
   * Hands fields to the current request's access-log line; false when there is none (a WebSocket turn, a job),
   * and the caller logs a line of its own.
   */
  summarize(fields: Record<string, unknown>): boolean {
    const summary = storage.getStore()?.summary;
    if (!summary) return false;
    Object.assign(summary, fields);
    return true;
  },
  /** Adds fields to the active context; a no-op outside one. */
  assign(fields: Partial<LogContext>): void {
    const store = storage.getStore();
    if (store) Object.assign(store, fields);
  },
};

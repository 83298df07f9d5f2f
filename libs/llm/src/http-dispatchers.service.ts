import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '#config';
import { LOGGER, type Logger } from '#observability';

/** The part of undici's Dispatcher used here; Node's fetch accepts one as `init.dispatcher`. */
export interface FetchDispatcher {
  dispatch(...args: unknown[]): boolean;
  close(): Promise<void>;
}

type AgentConstructor = new (options: { connections: number; keepAliveTimeout: number; keepAliveMaxTimeout: number }) => FetchDispatcher;

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');
const KEEP_ALIVE_MS = 10_000;

/**
 * One keep-alive connection pool per provider origin, created on first use and reused by every
 * turn of every tenant that calls it, closed at shutdown. The design's memory leak was an HTTP
 * client created per request and never closed; here no request ever creates one.
 *
 * Node 20 runs fetch on a bundled undici that it does not export (and this project does not
 * install the separate `undici` package, whose Agent could mismatch the bundled fetch). The
 * bundled Agent class is reached through the global dispatcher fetch installs; if a future
 * Node hides it, calls fall back to that global dispatcher, itself one shared keep-alive pool.
 */
@Injectable()
export class HttpDispatchers implements OnApplicationShutdown {
  private readonly byOrigin = new Map<string, FetchDispatcher>();
  private agentClass: AgentConstructor | null | undefined;

  constructor(
    private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The shared dispatcher for `url`'s origin; undefined means "use fetch's global pool". */
  for(url: string): FetchDispatcher | undefined {
    const origin = new URL(url).origin;
    let dispatcher = this.byOrigin.get(origin);
    if (!dispatcher) {
      const Agent = this.agent();
      if (!Agent) return undefined;
      dispatcher = new Agent({ connections: this.config.llm.connectionsPerProvider, keepAliveTimeout: KEEP_ALIVE_MS, keepAliveMaxTimeout: 10 * KEEP_ALIVE_MS });
      this.byOrigin.set(origin, dispatcher);
    }
    return dispatcher;
  }

  /** How many pools exist (one per provider origin ever called). */
  get size(): number {
    return this.byOrigin.size;
  }

  async onApplicationShutdown(): Promise<void> {
    const all = [...this.byOrigin.values()];
    this.byOrigin.clear();
    await Promise.all(all.map((d) => d.close().catch(() => undefined)));
  }

  private agent(): AgentConstructor | null {
    if (this.agentClass === undefined) {
      this.agentClass = findBundledAgent();
      if (!this.agentClass) this.logger.warn("Node's bundled undici Agent not found; provider calls share fetch's global pool");
    }
    return this.agentClass;
  }
}

const findBundledAgent = (): AgentConstructor | null => {
  // Under a vm context (Jest) fetch belongs to the outer realm, whose globalThis holds the dispatcher.
  const fetchRealm = (fetch as unknown as { constructor: (body: string) => () => unknown }).constructor('return globalThis')();
  for (const realm of [globalThis, fetchRealm] as Record<string | symbol, unknown>[]) {
    Reflect.get(realm, 'Headers'); // loads the bundled undici, which installs its global Agent
    const global = realm[GLOBAL_DISPATCHER] as { constructor?: unknown; dispatch?: unknown } | undefined;
    if (global && typeof global.dispatch === 'function' && typeof global.constructor === 'function') return global.constructor as AgentConstructor;
  }
  return null;
};

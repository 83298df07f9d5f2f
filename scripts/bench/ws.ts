import { fork, type ChildProcess } from 'node:child_process';
import { EnvReader } from '../../libs/config/src/env-reader.js';
import { readRealtimeConfig } from '../../libs/config/src/realtime.config.js';
import type { AppProcess } from './processes.js';
import { summarize } from './stats.js';
import type { WsClientConfig, WsClientResult } from './ws-client.js';

export interface WsPhaseResult {
  connections: number;
  /** What the plan asked for; less when the gateway's open-files limit cannot hold that many. */
  requested: number;
  gatewayOpenFilesLimit: number;
  failed: number;
  chatting: number;
  turns: number;
  errors: number;
  /** The errors by code (`UNANSWERED`: no answer before the phase ended). */
  errorCodes: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  pingsPerSocket: number;
  gatewayRssMiB: number;
  gatewayRssBeforeMiB: number;
}

/** Sockets per client process: well inside any process's open-files limit. */
const SOCKETS_PER_CLIENT = 5_000;
/** Descriptors the gateway needs besides its sockets (Redis, Postgres, listeners, logs, epoll …). */
const GATEWAY_FD_MARGIN = 128;

/** Forked client processes, each answering IPC messages in turn (see ws-client.ts). */
class Clients {
  private constructor(private readonly children: ChildProcess[]) {}

  static start(count: number): Clients {
    return new Clients(Array.from({ length: count }, () => fork(new URL('./ws-client.js', import.meta.url), { stdio: 'inherit' })));
  }

  /** Sends each child its message and waits for one reply from each. */
  ask<T>(messageFor: (i: number) => object): Promise<T[]> {
    return Promise.all(
      this.children.map(
        (child, i) =>
          new Promise<T>((resolve, reject) => {
            child.once('message', (reply) => resolve(reply as T));
            child.once('exit', (code) => reject(new Error(`ws client exited with ${code}`)));
            child.send(messageFor(i));
          }),
      ),
    );
  }

  /**
   * Tells each child to close its sockets and waits until it has exited (killed after 10 s): a child reaped later
   * would add its whole CPU time to the next phase's load-generator figure (children's time, /proc/self/stat).
   */
  async close(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            if (child.connected) child.send({ type: 'close' });
            else child.kill('SIGTERM');
          }),
      ),
    );
  }
}

/**
 * Holds `connections` authenticated WebSockets open on one gateway (heartbeats flowing) while a
 * fraction of them chat, then reports how many stayed up, the chatting latency and the
 * gateway's memory. The client side runs in forked processes (a process holds only as many
 * sockets as its open-files limit); the gateway side is one process, so the count is capped by
 * that process's limit, and the report says so.
 */
export const runWsPhase = async (options: {
  baseUrl: string;
  tokens: string[];
  queries: string[];
  connections: number;
  chattingFraction: number;
  durationSec: number;
  gateway: AppProcess;
  /** The environment the gateway was started with: its per-socket frame limit is read from it. */
  gatewayEnv: NodeJS.ProcessEnv;
  log: (m: string) => void;
}): Promise<WsPhaseResult> => {
  const gatewayOpenFilesLimit = options.gateway.openFilesLimit();
  const connections = Math.min(options.connections, gatewayOpenFilesLimit - GATEWAY_FD_MARGIN);
  if (connections < options.connections) {
    options.log(`ws: the gateway may open ${gatewayOpenFilesLimit} files (hard limit of this machine); holding ${connections} sockets`);
  }
  const rssBefore = options.gateway.rssMiB();
  const count = Math.ceil(connections / SOCKETS_PER_CLIENT);
  const clients = Clients.start(count);
  try {
    const base: Omit<WsClientConfig, 'connections'> = {
      url: options.baseUrl.replace(/^http/, 'ws'),
      tokens: options.tokens,
      queries: options.queries,
      chattingFraction: options.chattingFraction,
      durationSec: options.durationSec,
      frameLimit: (({ wsRateLimit, wsRateWindowMs }) => ({ frames: wsRateLimit, windowMs: wsRateWindowMs }))(readRealtimeConfig(new EnvReader(options.gatewayEnv))),
    };
    const share = (i: number): number => Math.floor(connections / count) + (i < connections % count ? 1 : 0);
    const opened = await clients.ask<{ open: number; failed: number }>((i) => ({ type: 'start', config: { ...base, connections: share(i) } }));
    const open = opened.reduce((sum, o) => sum + o.open, 0);
    options.log(`ws: ${open} sockets open (${opened.reduce((sum, o) => sum + o.failed, 0)} failed) from ${count} client processes; chatting for ${options.durationSec} s`);
    const results = await clients.ask<WsClientResult>(() => ({ type: 'chat' }));
    const gatewayRssMiB = options.gateway.rssMiB();
    const held = results.reduce((sum, r) => sum + r.open, 0);
    const latency = summarize(results.flatMap((r) => r.latencies));
    const errorCodes: Record<string, number> = {};
    for (const [code, n] of results.flatMap((r) => Object.entries(r.errorCodes))) errorCodes[code] = (errorCodes[code] ?? 0) + n;
    return {
      connections: held,
      requested: options.connections,
      gatewayOpenFilesLimit,
      failed: results.reduce((sum, r) => sum + r.failed, 0),
      chatting: results.reduce((sum, r) => sum + r.chatting, 0),
      turns: results.reduce((sum, r) => sum + r.latencies.length, 0),
      errors: Object.values(errorCodes).reduce((sum, n) => sum + n, 0),
      errorCodes,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      pingsPerSocket: held ? Math.round((results.reduce((sum, r) => sum + r.pings, 0) / held) * 10) / 10 : 0,
      gatewayRssMiB,
      gatewayRssBeforeMiB: rssBefore,
    };
  } finally {
    await clients.close();
  }
};

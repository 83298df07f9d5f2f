import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { WebSocketServer, type WebSocket } from 'ws';
import { Clock, DomainError, ErrorCode } from '#common';
import { AppConfig } from '#config';
import { ChatTurnService } from '#dialogue';
import { DrainState } from '#health';
import { MetricsService } from '#metrics';
import { LOGGER, type Logger } from '#observability';
import { HistoryRepository } from '#sessions';
import { toErrorBody } from '../../http/error-body.js';
import { EndUserAuthenticator, type EndUserSession } from '../end-user-authenticator.js';
import { WsConnection, type WsConnectionDeps } from './ws-connection.js';

export const WS_PATH = '/v1/ws';
// After the 1012 close frame, a client that does not close its side in time is cut off.
const CLOSE_HANDSHAKE_MS = 2_000;
// Sockets pinged at a time during a heartbeat (about a millisecond of work).
const HEARTBEAT_SLICE = 100;
// A heartbeat's slices are spread over this share of the interval, so the pings (and the pongs they bring back) come as
// a steady trickle rather than a wave every interval.
const HEARTBEAT_SPREAD = 0.5;

/**
 * `GET /v1/ws`: a plain `ws` server in noServer mode on Fastify's own HTTP server. Upgrades
 * are authenticated before the handshake completes, so a bad `?token=` gets an HTTP 401 with
 * the usual error body and never becomes a socket. (Nest's WsAdapter would route frames by an
 * `{event, data}` envelope and silently drop invalid JSON and unknown types, and terminates
 * sockets at shutdown instead of closing them with 1012; this protocol needs the opposite.)
 */
@Injectable()
export class WsChatServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<WsConnection>();
  private readonly deps: WsConnectionDeps;
  private httpServer?: Server;
  private heartbeat?: NodeJS.Timeout;
  /** A heartbeat still sweeping (a late timer must not start a second one beside it). */
  private sweeping = false;
  private closing = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: AppConfig,
    private readonly auth: EndUserAuthenticator,
    private readonly drainState: DrainState,
    private readonly metrics: MetricsService,
    turns: ChatTurnService,
    history: HistoryRepository,
    clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    // perMessageDeflate stays off (the default): compression would let a small frame inflate past maxPayload's intent.
    this.wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: config.realtime.wsMaxFrameBytes });
    this.deps = { auth, turns, history, clock, logger, limits: config.realtime };
  }

  /** Open sockets on this instance. */
  get size(): number {
    return this.connections.size;
  }

  onApplicationBootstrap(): void {
    this.httpServer = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.httpServer.on('upgrade', this.onUpgrade);
    this.heartbeat = setInterval(() => void this.pingAll(), this.config.realtime.wsHeartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * One heartbeat: every socket gets a ping (and is dropped if it never answered the previous one), in slices of
   * HEARTBEAT_SLICE spread over half the interval. In one synchronous sweep, 19,872 sockets (the benchmark) held the
   * event loop for 0.2–0.6 s at every heartbeat, and every request on this gateway waited for it; in back-to-back slices
   * of 500 the stalls were a few milliseconds each, but they still came as one wave of pings and pongs in which every
   * stage of every turn waited (a chat turn's stages' p99 17–57 ms at a p50 under 1.5 ms while 19,872 sockets were held).
   * Each socket is still pinged once per interval, at about the same point of it.
   */
  private async pingAll(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const all = [...this.connections];
      const gapMs = (this.config.realtime.wsHeartbeatMs * HEARTBEAT_SPREAD) / Math.ceil(all.length / HEARTBEAT_SLICE);
      for (let i = 0; i < all.length; i++) {
        if (this.closing) return;
        // Closed while an earlier slice waited: nothing to ping.
        if (this.connections.has(all[i]!)) all[i]!.heartbeat();
        if ((i + 1) % HEARTBEAT_SLICE === 0 && i + 1 < all.length) await new Promise<void>((resolve) => setTimeout(resolve, gapMs).unref());
      }
    } finally {
      this.sweeping = false;
    }
  }

  /** Runs before the HTTP server closes: upgraded sockets would otherwise keep it open. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    const all = [...this.connections];
    await Promise.all(all.map((c) => c.drain()));
    const cutOff = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_HANDSHAKE_MS).unref());
    await Promise.race([Promise.all(all.map((c) => c.closed)), cutOff]);
    for (const c of this.connections) c.terminate();
    this.httpServer?.off('upgrade', this.onUpgrade);
    this.wss.close();
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    this.upgrade(request, socket, head).catch((error: unknown) => this.refuse(socket, error));
  };

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (url.pathname !== WS_PATH) throw new DomainError(ErrorCode.NotFound, `no WebSocket endpoint at ${url.pathname}`);
    if (this.closing || this.drainState.draining) throw new DomainError(ErrorCode.Overloaded, 'the server is restarting; connect again');
    const lastSeq = parseLastSeq(url.searchParams.get('lastSeq'));
    const token = url.searchParams.get('token');
    const header = request.headers['x-tenant-id'];
    const namedTenant = typeof header === 'string' ? header : undefined;
    const session: EndUserSession | undefined = token === null ? undefined : await this.auth.authenticate(token, namedTenant);
    if (socket.destroyed) return;
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, session, lastSeq, namedTenant));
  }

  private accept(ws: WebSocket, session: EndUserSession | undefined, lastSeq: number | undefined, namedTenant: string | undefined): void {
    if (this.closing) return ws.close(1012, 'service restart');
    // The tenant named at the handshake binds first-frame authentication too.
    const connection = new WsConnection(ws, this.deps, { ...(session ? { session } : {}), ...(lastSeq !== undefined ? { lastSeq } : {}), ...(namedTenant ? { namedTenant } : {}) });
    this.connections.add(connection);
    this.metrics.wsConnections.inc();
    ws.once('close', () => {
      this.connections.delete(connection);
      this.metrics.wsConnections.dec();
    });
  }

  /** Answers a refused upgrade as plain HTTP with the gateway's error body. */
  private refuse(socket: Duplex, error: unknown): void {
    const body = toErrorBody(error);
    if (body.errorId) this.logger.error({ errorId: body.errorId, err: (error as Error)?.stack ?? String(error) }, 'websocket upgrade failed');
    if (socket.destroyed) return;
    const json = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${body.statusCode} ${STATUS_CODES[body.statusCode] ?? 'Error'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(json)}\r\n` +
        'Connection: close\r\n\r\n' +
        json,
    );
  }
}

const parseLastSeq = (raw: string | null): number | undefined => {
  if (raw === null) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new DomainError(ErrorCode.ValidationFailed, 'lastSeq must be a non-negative integer');
  return Number(raw);
};

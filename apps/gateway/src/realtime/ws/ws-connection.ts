import { randomUUID } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import { DomainError, ErrorCode, type Clock } from '#common';
import type { RealtimeConfig } from '#config';
import type { ChatTurnService } from '#dialogue';
import { LogContexts, type Logger } from '#observability';
import type { HistoryRepository } from '#sessions';
import { toErrorBody } from '../../http/error-body.js';
import type { EndUserAuthenticator, EndUserSession } from '../end-user-authenticator.js';
import { runStreamingTurn } from '../streaming-turn.js';
import { RateWindow } from './rate-window.js';
import { clientMsgIdOf, parseClientFrame, type ClientFrame, type ServerFrame } from './ws-frames.js';

/** What every connection needs; one object, built once by the server. */
export interface WsConnectionDeps {
  auth: EndUserAuthenticator;
  turns: ChatTurnService;
  history: HistoryRepository;
  clock: Clock;
  logger: Logger;
  limits: RealtimeConfig;
}

/** Close codes of the protocol (see PROTOCOL.md): 4000 + the HTTP status of the auth failure. */
export const CloseCode = {
  PolicyViolation: 1008,
  ServiceRestart: 1012,
  Unauthorized: 4401,
} as const;

// Errors after which the socket cannot go on: its credential or tenant is no longer good.
const FATAL = new Set<string>([
  ErrorCode.Unauthenticated, ErrorCode.InvalidToken, ErrorCode.TokenExpired, ErrorCode.TokenRevoked, ErrorCode.TenantDisabled, ErrorCode.TenantNotFound,
]);
// A client that cannot keep up with its own answers is cut off rather than buffered without bound.
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * One chat socket: authentication (at the handshake or by the first frame), the frame
 * protocol, a per-socket rate limit, heartbeat state and resume. Turns run concurrently;
 * frames are otherwise handled in arrival order. A turn is not abandoned when its socket
 * drops: it completes and is stored, and the client gets it back by resuming.
 */
export class WsConnection {
  readonly id = randomUUID();
  /** Cleared at each heartbeat; a pong sets it again. */
  alive = true;
  private session: EndUserSession | null = null;
  private readonly rate: RateWindow;
  private refusedInARow = 0;
  private frames: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private authTimer?: NodeJS.Timeout;
  private expiryTimer?: NodeJS.Timeout;
  private draining = false;
  /** `?lastSeq=` of the handshake, applied once the socket authenticates by frame. */
  private handshakeLastSeq?: number;
  readonly closed: Promise<void>;

  /** `X-Tenant-Id` of the handshake: a first-frame token of another tenant is refused. */
  private readonly namedTenant: string | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: WsConnectionDeps,
    options: { session?: EndUserSession; lastSeq?: number; namedTenant?: string },
  ) {
    this.namedTenant = options.namedTenant;
    this.rate = new RateWindow(deps.limits.wsRateLimit, deps.limits.wsRateWindowMs);
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('pong', () => (this.alive = true));
    // Oversized frames and protocol errors: ws closes the socket itself (1009, 1002).
    ws.on('error', (error) => deps.logger.debug({ connection: this.id, err: error.message }, 'websocket error'));
    ws.once('close', (code) => {
      clearTimeout(this.authTimer);
      clearTimeout(this.expiryTimer);
      deps.logger.debug({ connection: this.id, tenantId: this.session?.tenant.id, code }, 'websocket closed');
    });
    if (options.session) {
      this.frames = this.open(options.session, options.lastSeq).catch((error: unknown) => this.sendError(error));
    } else {
      this.handshakeLastSeq = options.lastSeq;
      this.authTimer = setTimeout(() => this.closeWith(new DomainError(ErrorCode.Unauthenticated, 'no auth frame in time')), deps.limits.wsAuthTimeoutMs);
    }
  }

  /** Called by the server's heartbeat: a socket that did not answer the previous ping is dropped. */
  heartbeat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  /** Shutdown: refuse new turns, let the running ones answer, then close with 1012. */
  async drain(): Promise<void> {
    this.draining = true;
    await Promise.allSettled([...this.inFlight]);
    this.close(CloseCode.ServiceRestart, 'service restart');
  }

  terminate(): void {
    this.ws.terminate();
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    const raw = isBinary ? '' : data.toString();
    const taken = this.rate.take(this.deps.clock.now());
    if (!taken.allowed) {
      // Answer a few refusals so a client can back off; a client that ignores them is cut off.
      if (++this.refusedInARow > this.deps.limits.wsRateLimit) return this.close(CloseCode.PolicyViolation, ErrorCode.RateLimited);
      return this.sendError(new DomainError(ErrorCode.RateLimited, 'too many frames; slow down', { retryAfterMs: taken.retryAfterMs }), clientMsgIdOf(raw));
    }
    this.refusedInARow = 0;
    if (isBinary) return this.sendError(new DomainError(ErrorCode.ValidationFailed, 'binary frames are not supported; send JSON text'));
    this.frames = this.frames.then(() => this.handle(raw)).catch((error: unknown) => this.sendError(error));
  }

  private async handle(raw: string): Promise<void> {
    let frame: ClientFrame;
    try {
      frame = await parseClientFrame(raw);
    } catch (error) {
      return this.sendError(error, clientMsgIdOf(raw));
    }
    if (frame.type === 'ping') return this.send({ type: 'pong' });
    if (frame.type === 'auth') return this.authenticate(frame.token, frame.lastSeq);
    if (!this.session) return this.closeWith(new DomainError(ErrorCode.Unauthenticated, 'send an auth frame first'));
    if (frame.type === 'resume') return this.resume(this.session, frame.lastSeq);
    this.startTurn(this.session, frame.query, frame.clientMsgId);
  }

  private async authenticate(token: string, lastSeq?: number): Promise<void> {
    let session: EndUserSession;
    try {
      session = await this.deps.auth.authenticate(token, this.namedTenant);
    } catch (error) {
      // A failed refresh leaves the current session as it was, until it expires.
      return this.session ? this.sendError(error) : this.closeWith(error);
    }
    if (this.session && (session.tenant.id !== this.session.tenant.id || session.claims.userId !== this.session.claims.userId)) {
      return this.sendError(new DomainError(ErrorCode.Forbidden, 'a token refresh must be for the same user'));
    }
    clearTimeout(this.authTimer);
    const resumeFrom = lastSeq ?? this.handshakeLastSeq;
    this.handshakeLastSeq = undefined;
    await this.open(session, resumeFrom);
  }

  private async open(session: EndUserSession, lastSeq?: number): Promise<void> {
    this.session = session;
    clearTimeout(this.expiryTimer);
    const left = session.claims.expiresAt - this.deps.clock.now();
    this.expiryTimer = setTimeout(() => this.closeWith(new DomainError(ErrorCode.TokenExpired, 'token has expired')), Math.max(0, Math.min(left, 2 ** 31 - 1)));
    this.send({ type: 'ready', userId: session.claims.userId, expiresAt: new Date(session.claims.expiresAt).toISOString() });
    if (lastSeq !== undefined) await this.resume(session, lastSeq);
  }

  /** Replays the turns after `lastSeq` from history, then says how many there were. */
  private async resume(session: EndUserSession, lastSeq: number): Promise<void> {
    let turns;
    try {
      turns = await this.deps.history.listAfter(session.tenant.id, session.claims.userId, lastSeq);
    } catch (error) {
      this.deps.logger.warn({ connection: this.id, tenantId: session.tenant.id, err: (error as Error).message }, 'resume failed');
      return this.sendError(new DomainError(ErrorCode.DependencyUnavailable, 'conversation store unavailable, resume again shortly'));
    }
    for (const t of turns) {
      this.send({
        type: 'answer', replay: true, ...(t.clientMsgId ? { clientMsgId: t.clientMsgId } : {}),
        answer: t.answer, source: t.source, confidence: t.confidence, seq: t.seq, ...(t.entryId ? { entryId: t.entryId } : {}), query: t.query, at: t.at,
      });
    }
    this.send({ type: 'resumed', count: turns.length, lastSeq: turns.at(-1)?.seq ?? lastSeq });
  }

  private startTurn(session: EndUserSession, query: string, clientMsgId?: string): void {
    if (this.draining) return this.sendError(new DomainError(ErrorCode.Overloaded, 'the server is restarting; reconnect and send again'), clientMsgId);
    const task: Promise<void> = this.runTurn(session, query, clientMsgId).finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  private runTurn(session: EndUserSession, query: string, clientMsgId?: string): Promise<void> {
    const requestId = randomUUID();
    const id = clientMsgId ? { clientMsgId } : {};
    return LogContexts.run({ requestId, tenantId: session.tenant.id }, async () => {
      try {
        if (this.deps.clock.now() >= session.claims.expiresAt) throw new DomainError(ErrorCode.TokenExpired, 'token has expired');
        // The tenant as it is now: a disabled tenant stops answering on open sockets too, and so
        // does a revoked token (the turn checks it, with the rate limits, as on every chat channel).
        const tenant = await this.deps.auth.activeTenant(session.tenant.id);
        const input = { query, ...id, tokenIssuedAt: session.claims.issuedAt };
        const result = await runStreamingTurn(this.deps.turns, tenant, session.claims.userId, input, requestId, {
          delta: (text) => this.send({ type: 'delta', ...id, text }),
        });
        this.send({ type: 'answer', ...id, ...result });
      } catch (error) {
        if (FATAL.has(toErrorBody(error).code)) this.closeWith(error, clientMsgId);
        else this.sendError(error, clientMsgId);
      }
    });
  }

  private send(frame: ServerFrame): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.deps.logger.warn({ connection: this.id }, 'websocket client too slow; dropped');
      return this.ws.terminate();
    }
    this.ws.send(JSON.stringify(frame));
  }

  private sendError(error: unknown, clientMsgId?: string): void {
    const body = toErrorBody(error);
    if (body.statusCode >= 500 && body.errorId) {
      this.deps.logger.error({ connection: this.id, errorId: body.errorId, err: (error as Error)?.stack ?? String(error) }, 'websocket frame failed');
    }
    this.send({ type: 'error', code: body.code, message: body.message, ...(clientMsgId ? { clientMsgId } : {}), ...(body.details ? { details: body.details } : {}) });
  }

  /** Sends the error, then closes with 4000 + its HTTP status (4401, 4403, 4404) and the code as reason. */
  private closeWith(error: unknown, clientMsgId?: string): void {
    this.sendError(error, clientMsgId);
    const body = toErrorBody(error);
    this.close(body.statusCode >= 400 && body.statusCode < 500 ? 4000 + body.statusCode : CloseCode.Unauthorized, body.code);
  }

  private close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }
}

import { WebSocket, type ClientOptions } from 'ws';

export type Frame = Record<string, any>;

export interface Closed {
  code: number;
  reason: string;
}

export interface ConnectOptions {
  token?: string;
  lastSeq?: number | string;
  /** false = never answer the server's pings (a client that went silent). */
  autoPong?: boolean;
  headers?: Record<string, string>;
  /** Another path than /v1/ws. */
  path?: string;
}

/** The gateway's WebSocket URL with the given query. */
export const wsUrl = (httpUrl: string, options: ConnectOptions = {}): string => {
  const url = new URL(options.path ?? '/v1/ws', httpUrl.replace(/^http/, 'ws'));
  if (options.token !== undefined) url.searchParams.set('token', options.token);
  if (options.lastSeq !== undefined) url.searchParams.set('lastSeq', String(options.lastSeq));
  return url.toString();
};

const clientOptions = (options: ConnectOptions): ClientOptions => ({
  autoPong: options.autoPong ?? true,
  ...(options.headers ? { headers: options.headers } : {}),
});

/**
 * A WebSocket test client that records every frame, so a test can wait for the frame it
 * expects (in order, each consumed once) and still inspect everything that arrived.
 */
export class WsTestClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<Closed>;
  private consumed = 0;
  private readonly taken = new Set<number>();
  private listeners: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      this.listeners.forEach((notify) => notify());
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    void this.closed.then(() => this.listeners.forEach((notify) => notify()));
  }

  static connect(httpUrl: string, options: ConnectOptions = {}): Promise<WsTestClient> {
    const ws = new WebSocket(wsUrl(httpUrl, options), clientOptions(options));
    const client = new WsTestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  /** Connects expecting the upgrade to be refused; returns the HTTP status and JSON body. */
  static refused(httpUrl: string, options: ConnectOptions = {}): Promise<{ status: number; body: Frame }> {
    const ws = new WebSocket(wsUrl(httpUrl, options), clientOptions(options));
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        ws.terminate();
        reject(new Error('the upgrade was accepted'));
      });
      ws.once('error', () => undefined);
      ws.once('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Frame }));
      });
    });
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The first frame not yet taken that matches, waiting for it if needed. */
  next(match: (frame: Frame) => boolean = () => true, timeoutMs = 5_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (let i = this.consumed; i < this.frames.length; i++) {
          if (this.taken.has(i) || !match(this.frames[i]!)) continue;
          this.taken.add(i);
          while (this.taken.has(this.consumed)) this.consumed++;
          resolve(this.frames[i]!);
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== listener);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(this.consumed))}`));
      }, timeoutMs);
      const listener = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
      };
      this.listeners.push(listener);
    });
  }

  /** The next frame of a type (and clientMsgId, if given). */
  nextOf(type: string, clientMsgId?: string, timeoutMs?: number): Promise<Frame> {
    return this.next((f) => f.type === type && (clientMsgId === undefined || f.clientMsgId === clientMsgId), timeoutMs);
  }

  /** Sends a message and resolves with its deltas and answer (or error), in arrival order. */
  async ask(query: string, clientMsgId: string, timeoutMs = 10_000): Promise<{ deltas: Frame[]; final: Frame; all: Frame[] }> {
    const start = this.frames.length;
    this.send({ type: 'message', query, clientMsgId });
    const final = await this.next((f) => (f.type === 'answer' || f.type === 'error') && f.clientMsgId === clientMsgId && !f.replay, timeoutMs);
    const all = this.frames.slice(start).filter((f) => f.clientMsgId === clientMsgId);
    return { deltas: all.filter((f) => f.type === 'delta'), final, all };
  }

  close(): Promise<Closed> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    return this.closed;
  }
}

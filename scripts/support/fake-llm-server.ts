import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the fake answers one request. */
export type FakeLlmBehaviour =
  /** A completion; streamed as `chunks` SSE events when the request asked for a stream (unless `stream` overrides). */
  | { kind: 'answer'; text: string; chunks?: number; stream?: boolean; delayMs?: number; chunkDelayMs?: number }
  /** Never answers (the socket stays open until the client gives up). */
  | { kind: 'stall' }
  /** An HTTP error status with a JSON error body. */
  | { kind: 'status'; status: number; delayMs?: number }
  /** 200 with a body that is neither a completion nor an SSE stream of chunks. */
  | { kind: 'malformed'; stream?: boolean };

type RequestBody = { model?: string; stream?: boolean; messages?: { role: string; content: string }[]; [key: string]: unknown };

/** One request as the fake received it, and how it was answered. */
export interface RecordedLlmRequest {
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: RequestBody;
  /** The behaviour that answered it (absent for a path other than chat completions). */
  answeredWith?: FakeLlmBehaviour['kind'];
}

/**
 * A local OpenAI-compatible `/v1/chat/completions` server (node:http, port 0) whose behaviour a
 * test sets per mode (`mode`), per request (`enqueue`, first in first out) or by the request's
 * own body (`behaviourFor`, asked first). It records every request and counts TCP connections,
 * so tests can assert prompts, headers, call counts and connection reuse. Used by the jest
 * suites and by the built fault-injection suite (hence its place under scripts/).
 */
export class FakeLlmServer {
  readonly requests: RecordedLlmRequest[] = [];
  /** TCP connections accepted so far. */
  connections = 0;
  mode: FakeLlmBehaviour = { kind: 'answer', text: 'fake answer' };
  /** A behaviour chosen from the request body, before the script and the mode; undefined defers to them. */
  behaviourFor?: (body: RequestBody) => FakeLlmBehaviour | undefined;
  private readonly script: FakeLlmBehaviour[] = [];
  private readonly sockets = new Set<Socket>();

  private readonly server: Server;
  /** `http://127.0.0.1:<port>/v1`, once started. */
  baseUrl = '';

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeLlmServer> {
    const fake = new FakeLlmServer();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.baseUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/v1`;
    return fake;
  }

  /** Behaviours for the next requests, in order; then `mode` again. */
  enqueue(...behaviours: FakeLlmBehaviour[]): void {
    this.script.push(...behaviours);
  }

  get calls(): number {
    return this.requests.length;
  }

  /** Forgets requests, script and connection count; the mode goes back to a plain answer. */
  reset(mode: FakeLlmBehaviour = { kind: 'answer', text: 'fake answer' }): void {
    this.requests.length = 0;
    this.script.length = 0;
    this.connections = 0;
    this.mode = mode;
  }

  /** Requests whose Authorization header carried this key. */
  requestsWithKey(apiKey: string): RecordedLlmRequest[] {
    return this.requests.filter((r) => r.headers.authorization === `Bearer ${apiKey}`);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: RequestBody = {};
    try {
      body = JSON.parse(raw) as RequestBody;
    } catch {
      /* recorded as empty */
    }
    const recorded: RecordedLlmRequest = { at: Date.now(), method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
    this.requests.push(recorded);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return json(res, 404, { error: { message: 'not found' } });
    const behaviour = this.behaviourFor?.(body) ?? this.script.shift() ?? this.mode;
    recorded.answeredWith = behaviour.kind;
    switch (behaviour.kind) {
      case 'stall':
        return; // never answered; close() destroys the socket
      case 'status':
        await sleep(behaviour.delayMs ?? 0);
        return json(res, behaviour.status, { error: { message: `fake ${behaviour.status}`, type: 'server_error' } });
      case 'malformed':
        if (behaviour.stream) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.end('data: {this is not json\n\n');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"choices": "nope"');
        return;
      case 'answer':
        await sleep(behaviour.delayMs ?? 0);
        if (behaviour.stream ?? body.stream === true) return this.stream(res, behaviour);
        return json(res, 200, {
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: behaviour.text }, finish_reason: 'stop' }],
        });
    }
  }

  private async stream(res: ServerResponse, behaviour: Extract<FakeLlmBehaviour, { kind: 'answer' }>): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const event = (delta: Record<string, unknown>, finish: string | null = null): string =>
      `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    res.write(event({ role: 'assistant' }));
    for (const piece of split(behaviour.text, behaviour.chunks ?? 3)) {
      await sleep(behaviour.chunkDelayMs ?? 0);
      res.write(event({ content: piece }));
    }
    res.write(event({}, 'stop'));
    res.end('data: [DONE]\n\n');
  }
}

/** Splits text into `n` non-empty pieces (by characters, so CJK splits cleanly). */
export const split = (text: string, n: number): string[] => {
  const chars = [...text];
  const size = Math.max(1, Math.ceil(chars.length / n));
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''));
  return pieces;
};

const json = (res: ServerResponse, status: number, body: unknown): void => {
  // The client may have given up during a delay (a fault case's caller timeout).
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

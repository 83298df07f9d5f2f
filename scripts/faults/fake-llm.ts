import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How the fake provider answers: in time, with HTTP 500, or never (the socket stays open). */
export type FakeLlmMode = 'ok' | 'fail' | 'stall';

/**
 * A local OpenAI-compatible `POST /v1/chat/completions` (after test/support/fake-llm-server.ts,
 * reduced to what the fault cases need). The mode applies to every tenant using the fake;
 * a request for model `slow-<ms>` always answers after that many milliseconds instead (used to
 * keep answer jobs running long enough for a worker to die in the middle of them).
 */
export class FakeLlm {
  mode: FakeLlmMode = 'ok';
  delayMs = 30;
  readonly calls: Record<FakeLlmMode, number> = { ok: 0, fail: 0, stall: 0 };
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  baseUrl = '';

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<FakeLlm> {
    const fake = new FakeLlm();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.baseUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/v1`;
    return fake;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let model = '';
    try {
      model = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model?: unknown }).model ?? '');
    } catch {
      /* not JSON: answered like any other */
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return json(res, 404, { error: { message: 'not found' } });
    const slow = /^slow-(\d+)$/.exec(model);
    const mode: FakeLlmMode = slow ? 'ok' : this.mode;
    this.calls[mode]++;
    if (mode === 'stall') return; // never answered; the caller's timeout ends it
    if (mode === 'fail') return json(res, 500, { error: { message: 'fake provider failure', type: 'server_error' } });
    await new Promise((r) => setTimeout(r, slow ? Number(slow[1]) : this.delayMs));
    json(res, 200, {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: '(模型回答) 您好,这是根据知识库生成的回答。' }, finish_reason: 'stop' }],
    });
  }
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

import type { FastifyReply } from 'fastify';

/**
 * A `text/event-stream` response, started lazily: a turn that fails before anything was
 * written (validation of the turn, a retry still in progress, the store down) still gets a
 * plain HTTP error status and body. Once started, the caller reports failures as events.
 * Keep-alive comments go out while the turn is quiet (and start the stream if it was not).
 */
export class SseStream {
  private started = false;
  private ended = false;
  private readonly controller = new AbortController();
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly reply: FastifyReply,
    keepAliveMs: number,
  ) {
    // The response closing before we ended it means the client went away.
    reply.raw.once('close', () => {
      clearInterval(this.keepAlive);
      if (!this.ended) this.controller.abort();
    });
    this.keepAlive = setInterval(() => this.comment('ping'), keepAliveMs);
  }

  /** Aborted when the client disconnects before the stream ended. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** One event; `data` is sent as JSON on a single line (JSON escapes newlines). */
  send(event: string | null, data: unknown): void {
    this.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  end(): void {
    this.ended = true;
    clearInterval(this.keepAlive);
    if (this.started && !this.reply.raw.writableEnded) this.reply.raw.end();
  }

  /** The client is gone: release the connection without writing anything more. */
  abandon(): void {
    this.ended = true;
    clearInterval(this.keepAlive);
    if (!this.started) void this.reply.hijack();
    if (!this.reply.raw.destroyed) this.reply.raw.destroy();
  }

  private write(chunk: string): void {
    if (this.ended && this.started) return;
    if (this.reply.raw.destroyed || this.reply.raw.writableEnded) return;
    if (!this.started) this.start();
    this.reply.raw.write(chunk);
  }

  private start(): void {
    this.started = true;
    void this.reply.hijack();
    this.reply.raw.writeHead(200, {
      ...(this.reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx and similar proxies buffer responses unless told not to.
      'x-accel-buffering': 'no',
    });
  }
}

import { connect, type Socket } from 'node:net';
import { FALLBACK_MARKER, turnMix, type LoadResult, type Target } from './load.js';
import { round, summarize } from './stats.js';

export interface OpenLoopOptions {
  /** Turns per second; turn `n` is due at `n / rate` seconds after the start. */
  rate: number;
  durationSec: number;
  /** Most keep-alive connections open at once; a due turn finding them all busy waits for one. */
  connections: number;
  /** A turn not answered this long after it was due is an error (autocannon's `timeout: 10`). */
  timeoutMs?: number;
}

/** One keep-alive connection: at most one turn in flight (no pipelining). */
interface Connection {
  socket: Socket;
  /** The turn in flight, -1 when idle. */
  turn: number;
  /** Response bytes so far when the response spans several reads. */
  partial: Buffer | undefined;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const FALLBACK = Buffer.from(FALLBACK_MARKER);

/**
 * Full chat turns over REST at a constant rate, open loop: turn `n` is due at `t0 + n / rate`
 * whatever the answers do, and its latency runs from that due time to the end of its response,
 * so waiting for a free connection (or for a late timer) counts and queueing cannot hide
 * behind a slower send rate (coordinated omission). autocannon's rate mode can't do that: it
 * sends each second's quota back to back and measures from the send.
 *
 * A minimal HTTP/1.1 client over `node:net`, because on the bench machine the generator shares
 * two cores with everything it measures: request bytes are serialised once per user and once
 * per question, and a response is framed by its status line and Content-Length (Fastify sets
 * it on every reply that is not streamed; a response without it counts as an error). Same
 * users, questions and counting as `runChatLoad`. A turn whose connection fails or closes, or
 * that is still unanswered `timeoutMs` after its due time, is an error; the turns after it get
 * a fresh connection.
 */
export const runOpenLoop = (target: Target, options: OpenLoopOptions): Promise<LoadResult> =>
  new Promise((resolve) => {
    const url = new URL(target.baseUrl);
    const heads = target.tokens.map((token) =>
      Buffer.from(`POST /v1/chat HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\nauthorization: Bearer ${token}\r\n`, 'latin1'),
    );
    const bodies = target.queries.map((query) => {
      const body = Buffer.from(JSON.stringify({ query }));
      return Buffer.concat([Buffer.from(`content-length: ${body.length}\r\n\r\n`), body]);
    });
    const timeoutMs = options.timeoutMs ?? 10_000;
    const interval = 1000 / options.rate;
    const total = Math.round(options.rate * options.durationSec);

    const latencies: number[] = [];
    let sent = 0;
    let ok = 0;
    let non2xx = 0;
    let failed = 0;
    let fallbacks = 0;
    let scheduled = 0;
    let finished = 0;
    const connections = new Set<Connection>();
    const idle: Connection[] = [];
    // Due turns waiting for a connection, in due order (consumed from `waitingHead`).
    const waiting: number[] = [];
    let waitingHead = 0;
    let done = false;
    const t0 = performance.now();
    const dueAt = (n: number): number => t0 + n * interval;

    const send = (conn: Connection, n: number): void => {
      const turn = turnMix(target, n);
      conn.turn = n;
      conn.socket.cork();
      conn.socket.write(heads[turn.token]!);
      conn.socket.write(bodies[turn.query]!);
      conn.socket.uncork();
      sent++;
    };

    /** Drops waiting turns already past their timeout (the oldest are first in line): errors. */
    const dropExpired = (now: number): void => {
      for (; waitingHead < waiting.length && now - dueAt(waiting[waitingHead]!) >= timeoutMs; waitingHead++) {
        failed++;
        finished++;
      }
      if (waitingHead === waiting.length) waiting.length = waitingHead = 0;
    };

    /** The next waiting turn still worth sending, or -1. */
    const nextWaiting = (): number => {
      dropExpired(performance.now());
      return waitingHead < waiting.length ? waiting[waitingHead++]! : -1;
    };

    const open = (): Connection => {
      const conn: Connection = { socket: connect({ host: url.hostname, port: Number(url.port || 80), noDelay: true }), turn: -1, partial: undefined };
      connections.add(conn);
      conn.socket.on('data', (chunk: Buffer) => onData(conn, chunk));
      conn.socket.on('error', () => {}); // 'close' follows and does the accounting
      conn.socket.on('close', () => onClose(conn));
      return conn;
    };

    const submit = (n: number): void => {
      const conn = idle.shift() ?? (connections.size < options.connections ? open() : undefined);
      if (conn) send(conn, n);
      else waiting.push(n);
    };

    const onData = (conn: Connection, chunk: Buffer): void => {
      const data = conn.partial ? Buffer.concat([conn.partial, chunk]) : chunk;
      conn.partial = undefined;
      const headerEnd = data.indexOf(HEADER_END);
      if (headerEnd < 0) return void (conn.partial = data);
      const head = data.toString('latin1', 0, headerEnd).toLowerCase();
      const lengthAt = head.indexOf('\r\ncontent-length:');
      const length = lengthAt < 0 ? -1 : Number.parseInt(head.slice(lengthAt + 17), 10);
      const end = headerEnd + HEADER_END.length + length;
      // No Content-Length, a reply nobody asked for, or bytes past the reply: not a response
      // this client can frame, so drop the connection ('close' counts the turn as an error).
      if (!(length >= 0) || conn.turn < 0 || data.length > end) return void conn.socket.destroy();
      if (data.length < end) return void (conn.partial = data);

      const status = Number(head.slice(9, 12));
      const latency = performance.now() - dueAt(conn.turn);
      // Answered after its timeout but before the expiry sweep (every 100 ms) got to it: still late.
      if (latency >= timeoutMs) failed++;
      else {
        latencies.push(latency);
        if (status === 200) {
          ok++;
          if (data.indexOf(FALLBACK, end - length) >= 0) fallbacks++;
        } else non2xx++;
      }
      conn.turn = -1;
      finished++;
      if (head.includes('\r\nconnection: close')) conn.socket.destroy();
      else release(conn);
      checkDone();
    };

    const release = (conn: Connection): void => {
      const n = nextWaiting();
      if (n >= 0) send(conn, n);
      else idle.push(conn);
    };

    const onClose = (conn: Connection): void => {
      connections.delete(conn);
      if (done) return;
      const i = idle.indexOf(conn);
      if (i >= 0) idle.splice(i, 1);
      if (conn.turn >= 0) {
        failed++;
        finished++;
      }
      const n = nextWaiting();
      if (n >= 0) send(open(), n);
      checkDone();
    };

    const tick = (): void => {
      const due = Math.min(total, Math.floor((performance.now() - t0) / interval) + 1);
      while (scheduled < due) submit(scheduled++);
      if (scheduled < total) setTimeout(tick, dueAt(scheduled) - performance.now());
      else checkDone();
    };

    // Turns in flight past their timeout lose their connection; waiting ones are dropped.
    const expiry = setInterval(() => {
      const now = performance.now();
      for (const conn of connections) if (conn.turn >= 0 && now - dueAt(conn.turn) >= timeoutMs) conn.socket.destroy();
      dropExpired(now);
      checkDone();
    }, 100);

    const checkDone = (): void => {
      if (done || scheduled < total || finished < total) return;
      done = true;
      clearInterval(expiry);
      for (const conn of connections) conn.socket.destroy();
      const durationSec = (performance.now() - t0) / 1000;
      resolve({
        sent,
        ok,
        errors: failed + non2xx,
        non2xx,
        fallbacks,
        durationSec: round(durationSec, 2),
        turnsPerSec: Math.round(ok / durationSec),
        latency: summarize(latencies),
      });
    };

    tick();
  });

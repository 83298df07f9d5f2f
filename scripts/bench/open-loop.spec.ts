import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { runOpenLoop } from './open-loop.js';

/** A stand-in gateway: answers each query after `delayMs` as `reply` says, and logs arrival times. */
const gateway = async (reply: (query: string) => 'answer' | 'fallback' | 'busy' | 'drop' | 'hang', delayMs = 0): Promise<{ server: Server; baseUrl: string; arrivals: number[] }> => {
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    arrivals.push(performance.now());
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () =>
      setTimeout(() => {
        const { query } = JSON.parse(body) as { query: string };
        const kind = reply(query);
        if (kind === 'drop') return void req.socket.destroy();
        if (kind === 'hang') return;
        // Content-Length as Fastify sends it (without it, node:http would send chunked).
        const json = JSON.stringify({ answer: 'hi', source: kind === 'fallback' ? 'fallback' : 'kb' });
        res.writeHead(kind === 'busy' ? 503 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(json);
      }, delayMs),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals };
};

describe('runOpenLoop', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });
  const start = async (...args: Parameters<typeof gateway>): Promise<Awaited<ReturnType<typeof gateway>>> => {
    const g = await gateway(...args);
    servers.push(g.server);
    return g;
  };
  const target = (baseUrl: string) => ({ baseUrl, tokens: ['t0', 't1', 't2'], queries: ['ok', 'ok', 'unknown', 'busy'] });

  it('spreads the turns evenly over the run and counts answers, fallbacks and refusals', async () => {
    const { baseUrl, arrivals } = await start((q) => (q === 'unknown' ? 'fallback' : q === 'busy' ? 'busy' : 'answer'));
    const result = await runOpenLoop(target(baseUrl), { rate: 400, durationSec: 0.5, connections: 8 });

    expect(result).toMatchObject({ sent: 200, ok: 150, fallbacks: 50, non2xx: 50, errors: 50 });
    expect(result.latency.p50).toBeLessThan(50);
    // Evenly spaced, not a clump at the start: each half of the run gets about half the turns.
    const firstHalf = arrivals.filter((t) => t - arrivals[0]! < 250).length;
    expect(firstHalf).toBeGreaterThan(70);
    expect(firstHalf).toBeLessThan(130);
  });

  it('measures from the due time, so waiting for a busy connection counts', async () => {
    const { baseUrl } = await start(() => 'answer', 10);
    // One connection and 10 ms per answer cannot keep up with a turn every 5 ms: the last of
    // 50 turns is due at 245 ms but answered around 500 ms.
    const result = await runOpenLoop(target(baseUrl), { rate: 200, durationSec: 0.25, connections: 1 });

    expect(result).toMatchObject({ sent: 50, ok: 50, errors: 0 });
    expect(result.latency.max).toBeGreaterThan(200);
  });

  it('counts dropped connections and timeouts as errors and carries on on fresh connections', async () => {
    const { baseUrl } = await start((q) => (q === 'unknown' ? 'drop' : q === 'busy' ? 'hang' : 'answer'));
    // Enough connections that the ten hanging turns never hold them all.
    const result = await runOpenLoop(target(baseUrl), { rate: 200, durationSec: 0.2, connections: 16, timeoutMs: 300 });

    expect(result).toMatchObject({ ok: 20, non2xx: 0, errors: 20 });
  });

  it('frames responses that arrive in pieces, and reconnects after "connection: close"', async () => {
    const body = '{"answer":"hi","source":"fallback"}';
    const pieces = ['HTTP/1.1 200 OK\r\nContent-Ty', `pe: application/json\r\nconnection: close\r\ncontent-LENGTH: ${body.length}\r\n`, '\r\n{"answer":"hi",', '"source":"fallback"}'];
    let connections = 0;
    const server = createTcpServer((socket) => {
      connections++;
      socket.once('data', async () => {
        for (const piece of pieces) {
          socket.write(piece);
          await new Promise((r) => setTimeout(r, 2));
        }
        socket.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const result = await runOpenLoop(target(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), { rate: 100, durationSec: 0.1, connections: 2 });
    server.close();

    expect(result).toMatchObject({ sent: 10, ok: 10, fallbacks: 10, errors: 0 });
    expect(connections).toBe(10);
  });
});

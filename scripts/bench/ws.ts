import WebSocket from 'ws';
import type { AppProcess } from './processes.js';
import { summarize } from './stats.js';

export interface WsPhaseResult {
  connections: number;
  failed: number;
  chatting: number;
  turns: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  pingsPerSocket: number;
  gatewayRssMiB: number;
  gatewayRssBeforeMiB: number;
}

interface Socket {
  ws: WebSocket;
  pings: number;
  pending: Map<string, number>;
}

/**
 * Holds `connections` authenticated WebSockets open on one gateway (heartbeats flowing) while a
 * fraction of them chat, then reports how many stayed up, the chatting latency and the
 * gateway's memory.
 */
export const runWsPhase = async (options: {
  baseUrl: string;
  tokens: string[];
  queries: string[];
  connections: number;
  chattingFraction: number;
  durationSec: number;
  gateway: AppProcess;
  log: (m: string) => void;
}): Promise<WsPhaseResult> => {
  const url = options.baseUrl.replace(/^http/, 'ws');
  const sockets: Socket[] = [];
  let failed = 0;
  const latencies: number[] = [];
  let errors = 0;
  const rssBefore = options.gateway.rssMiB();

  const open = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const ws = new WebSocket(`${url}/v1/ws?token=${options.tokens[i % options.tokens.length]}`, { perMessageDeflate: false });
      const socket: Socket = { ws, pings: 0, pending: new Map() };
      let settled = false;
      const done = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        if (ok) sockets.push(socket);
        else failed++;
        resolve();
      };
      ws.on('ping', () => socket.pings++);
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as { type: string; clientMsgId?: string };
        if (frame.type === 'ready') done(true);
        else if (frame.type === 'answer' && frame.clientMsgId) {
          const sent = socket.pending.get(frame.clientMsgId);
          if (sent !== undefined) {
            latencies.push(performance.now() - sent);
            socket.pending.delete(frame.clientMsgId);
          }
        } else if (frame.type === 'error') errors++;
      });
      ws.on('error', () => done(false));
      ws.on('close', () => done(false));
    });

  // Open in waves so the handshake burst doesn't measure the listen backlog instead.
  for (let i = 0; i < options.connections; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, options.connections - i) }, (_, k) => open(i + k)));
    if (i % 5000 === 0) options.log(`ws: ${sockets.length} open, ${failed} failed`);
  }
  options.log(`ws: ${sockets.length} sockets open (${failed} failed); chatting for ${options.durationSec} s`);

  const chatters = sockets.slice(0, Math.max(1, Math.floor(sockets.length * options.chattingFraction)));
  let n = 0;
  const timer = setInterval(() => {
    // Each chatting socket sends one message every 2 s (well inside the per-socket frame limit).
    for (const socket of chatters) {
      if (Math.random() > 0.5 || socket.ws.readyState !== WebSocket.OPEN) continue;
      const clientMsgId = `b${n++}`;
      socket.pending.set(clientMsgId, performance.now());
      socket.ws.send(JSON.stringify({ type: 'message', query: options.queries[n % options.queries.length], clientMsgId }));
    }
  }, 1000);
  await new Promise((r) => setTimeout(r, options.durationSec * 1000));
  clearInterval(timer);
  await new Promise((r) => setTimeout(r, 2000));

  const stillOpen = sockets.filter((s) => s.ws.readyState === WebSocket.OPEN).length;
  const gatewayRssMiB = options.gateway.rssMiB();
  const pings = sockets.reduce((sum, s) => sum + s.pings, 0);
  const lost = chatters.reduce((sum, s) => sum + s.pending.size, 0);
  for (const s of sockets) s.ws.terminate();
  const latency = summarize(latencies);
  return {
    connections: stillOpen,
    failed: failed + (sockets.length - stillOpen),
    chatting: chatters.length,
    turns: latencies.length,
    errors: errors + lost,
    p50Ms: latency.p50,
    p99Ms: latency.p99,
    pingsPerSocket: sockets.length ? Math.round((pings / sockets.length) * 10) / 10 : 0,
    gatewayRssMiB,
    gatewayRssBeforeMiB: rssBefore,
  };
};

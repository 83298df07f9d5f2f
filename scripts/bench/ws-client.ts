import WebSocket from 'ws';

/**
 * One client process of the benchmark's WebSocket phase (forked by ws.ts): a process may hold only
 * as many sockets as its file-descriptor limit allows, so 20,000 client sockets are spread over
 * several of these. Protocol with the parent over IPC:
 *   parent → { type: 'start', config }   child opens its sockets, answers { type: 'opened', open, failed }
 *   parent → { type: 'chat' }            child chats for config.durationSec, answers { type: 'result', … }
 *   parent → { type: 'close' }           child terminates its sockets and exits
 */
export interface WsClientConfig {
  url: string;
  tokens: string[];
  queries: string[];
  connections: number;
  chattingFraction: number;
  durationSec: number;
  /** The gateway's per-socket frame limit (WS_RATE_LIMIT frames per WS_RATE_WINDOW_MS): a chatting socket keeps inside it. */
  frameLimit: { frames: number; windowMs: number };
}

export interface WsClientResult {
  type: 'result';
  open: number;
  failed: number;
  chatting: number;
  latencies: number[];
  /** Error frames by their `code`, and turns never answered as `UNANSWERED`. */
  errorCodes: Record<string, number>;
  pings: number;
}

type ParentMessage = { type: 'start'; config: WsClientConfig } | { type: 'chat' } | { type: 'close' };

interface Socket {
  ws: WebSocket;
  pings: number;
  pending: Map<string, number>;
  /** When this socket sent its recent messages (for the frame limit). */
  sentAt: number[];
}

const send = (message: object): void => void process.send!(message);
const sockets: Socket[] = [];
const latencies: number[] = [];
let failed = 0;
const errorCodes: Record<string, number> = {};
const countError = (code: string, n = 1): void => void (errorCodes[code] = (errorCodes[code] ?? 0) + n);

const open = (config: WsClientConfig, i: number): Promise<void> =>
  new Promise((resolve) => {
    const ws = new WebSocket(`${config.url}/v1/ws?token=${config.tokens[i % config.tokens.length]}`, { perMessageDeflate: false });
    const socket: Socket = { ws, pings: 0, pending: new Map(), sentAt: [] };
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
      const frame = JSON.parse(String(data)) as { type: string; clientMsgId?: string; code?: string };
      if (frame.type === 'ready') done(true);
      else if (frame.type === 'answer' && frame.clientMsgId) {
        const sent = socket.pending.get(frame.clientMsgId);
        if (sent !== undefined) {
          latencies.push(performance.now() - sent);
          socket.pending.delete(frame.clientMsgId);
        }
      } else if (frame.type === 'error') {
        countError(frame.code ?? 'UNKNOWN');
        if (frame.clientMsgId) socket.pending.delete(frame.clientMsgId);
      }
    });
    ws.on('error', () => done(false));
    ws.on('close', () => done(false));
  });

const openAll = async (config: WsClientConfig): Promise<void> => {
  // In waves, so the handshake burst doesn't measure the listen backlog instead.
  for (let i = 0; i < config.connections; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, config.connections - i) }, (_, k) => open(config, i + k)));
  }
  send({ type: 'opened', open: sockets.length, failed });
};

const chat = async (config: WsClientConfig): Promise<void> => {
  const chatters = sockets.slice(0, Math.max(1, Math.floor(sockets.length * config.chattingFraction)));
  let n = 0;
  const timers = new Set<NodeJS.Timeout>();
  // Each chatting socket is a customer of its own: one message every 2 s on average, at exponentially distributed
  // intervals (independent users, Poisson arrivals at the gateway). Sending every socket's message on one 1-s tick put
  // each process's messages into one burst, and the burst's queueing into the measured latency.
  const schedule = (socket: Socket): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      sendOne(socket);
      schedule(socket);
    }, -Math.log(1 - Math.random()) * 2_000);
    timers.add(timer);
  };
  const sendOne = (socket: Socket): void => {
    if (socket.ws.readyState !== WebSocket.OPEN) return;
    const now = performance.now();
    // Never more than the gateway's frame limit allows, with a second's margin: the gateway times a frame when it
    // arrives, not when it was sent. A message that would exceed it is skipped, as a patient customer would wait.
    while (socket.sentAt.length > 0 && now - socket.sentAt[0]! > config.frameLimit.windowMs + 1_000) socket.sentAt.shift();
    if (socket.sentAt.length >= config.frameLimit.frames) return;
    socket.sentAt.push(now);
    const clientMsgId = `b${process.pid}-${n++}`;
    socket.pending.set(clientMsgId, now);
    socket.ws.send(JSON.stringify({ type: 'message', query: config.queries[n % config.queries.length], clientMsgId }));
  };
  for (const socket of chatters) schedule(socket);
  await new Promise((r) => setTimeout(r, config.durationSec * 1000));
  // Every pending send is in `timers` (a firing timer replaces itself there), so this stops them all.
  for (const timer of timers) clearTimeout(timer);
  await new Promise((r) => setTimeout(r, 2000));
  const stillOpen = sockets.filter((s) => s.ws.readyState === WebSocket.OPEN).length;
  const unanswered = chatters.reduce((sum, s) => sum + s.pending.size, 0);
  if (unanswered > 0) countError('UNANSWERED', unanswered);
  const result: WsClientResult = {
    type: 'result',
    open: stillOpen,
    failed: failed + (sockets.length - stillOpen),
    chatting: chatters.length,
    latencies,
    errorCodes,
    pings: sockets.reduce((sum, s) => sum + s.pings, 0),
  };
  send(result);
};

let config: WsClientConfig | undefined;
process.on('message', (message: ParentMessage) => {
  if (message.type === 'start') void openAll((config = message.config));
  else if (message.type === 'chat' && config) void chat(config);
  else if (message.type === 'close') {
    for (const s of sockets) s.ws.terminate();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

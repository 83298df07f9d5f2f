import type { EnvReader } from './env-reader.js';

/** Limits of the gateway's streaming channels (WebSocket and SSE). */
export interface RealtimeConfig {
  /** Server ping interval; a socket that has not answered the previous ping by then is dropped. */
  wsHeartbeatMs: number;
  /** How long a socket opened without `?token=` may take to send its `auth` frame. */
  wsAuthTimeoutMs: number;
  /** Frames one socket may send per window; more are answered `RATE_LIMITED`. */
  wsRateLimit: number;
  wsRateWindowMs: number;
  /** Largest accepted frame; a bigger one closes the socket with 1009. */
  wsMaxFrameBytes: number;
  /** Interval of `: ping` comments on an SSE response, so proxies keep a quiet stream open. */
  sseKeepAliveMs: number;
}

export const readRealtimeConfig = (env: EnvReader): RealtimeConfig => ({
  wsHeartbeatMs: env.int('WS_HEARTBEAT_MS', 30_000, 50, 600_000),
  wsAuthTimeoutMs: env.int('WS_AUTH_TIMEOUT_MS', 5_000, 50, 60_000),
  wsRateLimit: env.int('WS_RATE_LIMIT', 10, 1, 10_000),
  wsRateWindowMs: env.int('WS_RATE_WINDOW_MS', 10_000, 100, 3_600_000),
  wsMaxFrameBytes: env.int('WS_MAX_FRAME_BYTES', 16 * 1024, 1024, 1024 * 1024),
  sseKeepAliveMs: env.int('SSE_KEEPALIVE_MS', 10_000, 50, 120_000),
});

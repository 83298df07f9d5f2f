import autocannon from 'autocannon';
import { summarize } from './stats.js';

export interface Target {
  baseUrl: string;
  /** End-user tokens, one per simulated user. */
  tokens: string[];
  queries: string[];
}

export interface LoadResult {
  sent: number;
  ok: number;
  errors: number;
  non2xx: number;
  fallbacks: number;
  durationSec: number;
  turnsPerSec: number;
  latency: ReturnType<typeof summarize>;
}

/** In a 200 body, marks a turn the bot could not answer (or not within the deadline). */
export const FALLBACK_MARKER = '"source":"fallback"';

/** Turn n's user is token (n · stride) mod T: a prime stride spreads consecutive turns over users and tenants. */
export const TURN_MIX_STRIDE = 7919;

/**
 * Who asks what in turn `n` (indexes into `tokens` and `queries`): one definition, so the
 * closed-loop and the open-loop phases put the same mix of users and questions on the gateway
 * (wrk's Lua script, wrk.ts, uses the same stride).
 */
export const turnMix = (target: Target, n: number): { token: number; query: number } => ({
  token: (n * TURN_MIX_STRIDE) % target.tokens.length,
  query: n % target.queries.length,
});

/**
 * Full chat turns over REST with autocannon on keep-alive connections, closed loop (as fast as
 * `connections` allow): each request is a random user (its own JWT) asking a random question.
 * Fixed rates use `runOpenLoop` (open-loop.ts) instead: autocannon's rate mode sends each
 * second's quota back to back, so its latencies would be queueing behind that clump.
 */
export const runChatLoad = (target: Target, options: { connections: number; durationSec: number }): Promise<LoadResult> =>
  new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let fallbacks = 0;
    let ok = 0;
    let seq = 0;
    const instance = autocannon(
      {
        url: `${target.baseUrl}/v1/chat`,
        connections: options.connections,
        duration: options.durationSec,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => {
              const turn = turnMix(target, seq++);
              return {
                ...request,
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${target.tokens[turn.token]}` },
                body: JSON.stringify({ query: target.queries[turn.query] }),
              };
            },
            onResponse: (status, body) => {
              if (status === 200) {
                ok++;
                if (body.includes(FALLBACK_MARKER)) fallbacks++;
              }
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          sent: result.requests.sent,
          ok,
          errors: result.errors + result.non2xx,
          non2xx: result.non2xx,
          fallbacks,
          durationSec: result.duration,
          turnsPerSec: Math.round(ok / result.duration),
          latency: summarize(latencies),
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });

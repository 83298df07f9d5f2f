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

/**
 * Full chat turns over REST with autocannon on keep-alive connections: each request is a
 * random user (its own JWT) asking a random question. `rate` switches from closed loop
 * (as fast as `connections` allow) to a fixed overall rate.
 */
export const runChatLoad = (target: Target, options: { connections: number; durationSec: number; rate?: number }): Promise<LoadResult> =>
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
        ...(options.rate ? { overallRate: options.rate } : {}),
        timeout: 10,
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => {
              const n = seq++;
              const token = target.tokens[(n * 7919) % target.tokens.length]!;
              const query = target.queries[n % target.queries.length]!;
              return {
                ...request,
                method: 'POST',
                headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
                body: JSON.stringify({ query }),
              };
            },
            onResponse: (status, body) => {
              if (status === 200) {
                ok++;
                if (body.includes('"source":"fallback"')) fallbacks++;
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

import { summarize } from '../bench/stats.js';

export interface SeededUser {
  tenantId: string;
  userId: string;
  token: string;
}

/** One chat turn as the client saw it, from its first attempt to its last. */
export interface TurnRecord {
  i: number;
  tenantId: string;
  userId: string;
  clientMsgId: string;
  /** Epoch ms. */
  start: number;
  end: number;
  /** Final HTTP status; 0 = no response (connection refused/reset, or the client's timeout). */
  status: number;
  /** Error code of the final response, or the network error's code. */
  code?: string;
  source?: string;
  seq?: number;
  attempts: number;
  /** Statuses/errors of every attempt, in order (e.g. ["503", "200"]). */
  trail: string[];
  /** Longest single attempt, ms (what a hang would show). */
  longestAttemptMs: number;
}

export interface LoadOptions {
  label: string;
  /** Turns per second, open loop: the rate holds whatever the latency. */
  rate: number;
  durationMs: number;
  gateways: string[];
  users: SeededUser[];
  queries: string[];
  /** Retry the same clientMsgId on the next gateway after 503 / 409 / no response, as the API tells clients to. */
  retry: boolean;
  maxAttempts?: number;
  /** Per-attempt client timeout (a hang shows up as status 0 with code TIMEOUT). */
  attemptTimeoutMs?: number;
}

/**
 * Open-loop chat load with clientMsgIds: `rate` turns per second spread over the users (each
 * turn a fresh clientMsgId), alternating gateways, every turn recorded. The case script acts
 * at fixed offsets from `t0` while the load runs.
 */
export class LoadRun {
  readonly turns: TurnRecord[] = [];
  t0 = 0;
  done!: Promise<TurnRecord[]>;
  private sent = 0;

  constructor(private readonly options: LoadOptions) {}

  start(): this {
    this.t0 = Date.now();
    const { rate } = this.options;
    const inFlight: Promise<void>[] = [];
    this.done = new Promise((resolve) => {
      const timer = setInterval(() => {
        const elapsed = Date.now() - this.t0;
        const { durationMs } = this.options;
        const due = Math.floor((Math.min(elapsed, durationMs) * rate) / 1000);
        while (this.sent < due) inFlight.push(this.turn(this.sent++));
        if (elapsed >= durationMs) {
          clearInterval(timer);
          void Promise.all(inFlight).then(() => resolve(this.turns.sort((a, b) => a.i - b.i)));
        }
      }, 5);
    });
    return this;
  }

  /** Ends the load now (before its planned duration); `done` resolves once the turns in flight end. */
  stop(): void {
    this.options.durationMs = Math.min(this.options.durationMs, Date.now() - this.t0);
  }

  /** Seconds the load ran (or is planned to run). */
  get durationSec(): number {
    return this.options.durationMs / 1000;
  }

  /** Resolves at `t0 + offsetMs`. */
  at(offsetMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, this.t0 + offsetMs - Date.now())));
  }

  private async turn(i: number): Promise<void> {
    const { users, queries, gateways, retry, label } = this.options;
    const user = users[i % users.length]!;
    const query = queries[(i * 7) % queries.length]!;
    const clientMsgId = `${label}-${i}`;
    const body = JSON.stringify({ query, clientMsgId });
    const maxAttempts = retry ? (this.options.maxAttempts ?? 10) : 1;
    const timeoutMs = this.options.attemptTimeoutMs ?? 15_000;
    const record: TurnRecord = { i, tenantId: user.tenantId, userId: user.userId, clientMsgId, start: Date.now(), end: 0, status: 0, attempts: 0, trail: [], longestAttemptMs: 0 };
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const url = gateways[(i + attempt) % gateways.length]!;
      const began = Date.now();
      const outcome = await post(`${url}/v1/chat`, user.token, body, timeoutMs);
      record.longestAttemptMs = Math.max(record.longestAttemptMs, Date.now() - began);
      record.attempts++;
      record.status = outcome.status;
      record.code = outcome.code;
      record.trail.push(outcome.status ? String(outcome.status) : (outcome.code ?? 'ERR'));
      if (outcome.status === 200) {
        record.source = outcome.body?.source as string | undefined;
        record.seq = outcome.body?.seq as number | undefined;
        record.code = undefined;
        break;
      }
      const retryable = outcome.status === 0 || outcome.status === 503 || outcome.status === 409;
      if (!retryable) break;
      if (attempt + 1 < maxAttempts) await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
    }
    record.end = Date.now();
    this.turns.push(record);
  }
}

const post = async (url: string, token: string, body: string, timeoutMs: number): Promise<{ status: number; code?: string; body?: Record<string, unknown> }> => {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* not JSON (a proxy page, a truncated body) */
    }
    return { status: res.status, code: typeof parsed?.code === 'string' ? parsed.code : undefined, body: parsed };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    return { status: 0, code: e.name === 'TimeoutError' ? 'TIMEOUT' : (e.cause?.code ?? e.name) };
  }
};

/** Counts, rates and latencies of a set of turns. */
export const describeTurns = (turns: TurnRecord[], durationSec: number) => {
  const ok = turns.filter((t) => t.status === 200);
  const bySource: Record<string, number> = {};
  for (const t of ok) bySource[t.source ?? '?'] = (bySource[t.source ?? '?'] ?? 0) + 1;
  const errors: Record<string, number> = {};
  for (const t of turns) if (t.status !== 200) errors[`${t.status || ''}${t.code ? ` ${t.code}` : ''}`.trim()] = (errors[`${t.status || ''}${t.code ? ` ${t.code}` : ''}`.trim()] ?? 0) + 1;
  return {
    sent: turns.length,
    ok: ok.length,
    okPerSec: Math.round((ok.length / Math.max(0.001, durationSec)) * 10) / 10,
    failed: turns.length - ok.length,
    errors,
    bySource,
    retried: turns.filter((t) => t.attempts > 1).length,
    latencyMs: summarize(turns.map((t) => t.end - t.start)),
    longestAttemptMs: turns.reduce((m, t) => Math.max(m, t.longestAttemptMs), 0),
  };
};

/** Turns that started in [from, to) (epoch ms). */
export const startedBetween = (turns: TurnRecord[], from: number, to: number): TurnRecord[] => turns.filter((t) => t.start >= from && t.start < to);

/**
 * When a stream of turns was back to normal: the start of the first 500 ms bucket at or after
 * `from` from which every later bucket has at least `share` good turns; null if never.
 */
export const recoveredAt = (turns: TurnRecord[], from: number, good: (t: TurnRecord) => boolean, share = 1): number | null => {
  const after = turns.filter((t) => t.start >= from);
  if (after.length === 0) return null;
  const bucketMs = 500;
  const buckets = new Map<number, { good: number; all: number }>();
  for (const t of after) {
    const b = Math.floor((t.start - from) / bucketMs);
    const entry = buckets.get(b) ?? { good: 0, all: 0 };
    entry.all++;
    if (good(t)) entry.good++;
    buckets.set(b, entry);
  }
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  let candidate: number | null = null;
  for (const k of keys) {
    const { good: g, all } = buckets.get(k)!;
    if (g / all >= share) candidate ??= k;
    else candidate = null;
  }
  return candidate === null ? null : from + candidate * bucketMs;
};

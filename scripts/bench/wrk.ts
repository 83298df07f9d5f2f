import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FALLBACK_MARKER, TURN_MIX_STRIDE, type LoadResult, type Target } from './load.js';
import { round } from './stats.js';

/** `wrk` (Debian package `wrk`) when it is on the PATH; BENCH_LOAD_TOOL=autocannon or =wrk chooses explicitly. */
export const wrkAvailable = (): boolean => {
  const choice = process.env.BENCH_LOAD_TOOL;
  if (choice === 'autocannon') return false;
  const found = spawnSync('wrk', ['--version']).error === undefined;
  if (choice === 'wrk' && !found) throw new Error('BENCH_LOAD_TOOL=wrk but wrk is not on the PATH (Debian: apt-get install wrk)');
  return found;
};

/** A Lua long string holding `text` verbatim, whatever brackets it contains. */
const luaString = (text: string): string => {
  let level = '';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
};

/**
 * The Lua side: the same mix of users and questions as `turnMix` (turn n: token (n·TURN_MIX_STRIDE) mod T, query n
 * mod Q, counted per wrk thread), 200s and fallback answers counted per thread and summed in `done`, which prints one
 * JSON line.
 */
const script = (target: Target): string => `
local tokens = {${target.tokens.map(luaString).join(',')}}
local bodies = {${target.queries.map((q) => luaString(JSON.stringify({ query: q }))).join(',')}}
local marker = ${luaString(FALLBACK_MARKER)}
local threads = {}
function setup(thread) table.insert(threads, thread) end
n = 0
ok = 0
fallbacks = 0
function request()
  local token = tokens[(n * ${TURN_MIX_STRIDE}) % #tokens + 1]
  local body = bodies[n % #bodies + 1]
  n = n + 1
  return wrk.format('POST', '/v1/chat', { ['Content-Type'] = 'application/json', ['Authorization'] = 'Bearer ' .. token }, body)
end
function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    if string.find(body, marker, 1, true) then fallbacks = fallbacks + 1 end
  end
end
function done(summary, latency, requests)
  local total_ok, total_fallbacks = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get('ok')
    total_fallbacks = total_fallbacks + thread:get('fallbacks')
  end
  local e = summary.errors
  io.write(string.format('WRK_RESULT {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"ok":%d,"fallbacks":%d,"p50":%.3f,"p95":%.3f,"p99":%.3f,"max":%.3f,"mean":%.3f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, total_ok, total_fallbacks,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
`;

interface WrkSummary {
  requests: number;
  durationUs: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  ok: number;
  fallbacks: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Full chat turns over REST with wrk, closed loop, on keep-alive connections: one wrk thread (a C event loop, a
 * fraction of autocannon's CPU per request on a box where the load generator shares the two cores with everything it
 * measures). Latencies are wrk's own histogram (microsecond resolution).
 */
export const runChatLoadWrk = async (target: Target, options: { connections: number; durationSec: number }): Promise<LoadResult> => {
  const dir = mkdtempSync(join(tmpdir(), 'fengda-wrk-'));
  try {
    const file = join(dir, 'chat.lua');
    writeFileSync(file, script(target));
    const url = `${target.baseUrl}/v1/chat`;
    const args = ['-t1', `-c${options.connections}`, `-d${options.durationSec}s`, '--timeout', '10s', '-s', file, url];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('error', reject);
      // 'close', not 'exit': only then has all of wrk's output been read.
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited with ${code}: ${out}`))));
    });
    const line = output.split('\n').find((l) => l.startsWith('WRK_RESULT '));
    if (!line) throw new Error(`wrk printed no result:\n${output}`);
    const r = JSON.parse(line.slice('WRK_RESULT '.length)) as WrkSummary;
    const durationSec = r.durationUs / 1e6;
    const errors = r.connect + r.read + r.write + r.status + r.timeout;
    return {
      sent: r.requests,
      ok: r.ok,
      errors,
      non2xx: r.status,
      fallbacks: r.fallbacks,
      durationSec: round(durationSec, 2),
      turnsPerSec: Math.round(r.ok / durationSec),
      latency: { p50: round(r.p50), p95: round(r.p95), p99: round(r.p99), max: round(r.max), mean: round(r.mean) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { runChatLoad, type LoadResult, type Target } from './load.js';
import { runOpenLoop } from './open-loop.js';
import { AppProcess, postgresBackendCpu, postgresCpuBetween, waitForOk } from './processes.js';
import { markdownReport } from './report.js';
import { appEnv, benchQueries, cleanup, prepareEnvironment, seedTenants } from './setup.js';
import { histogramQuantile, parseHistogram, referenceLoopMs, round, rssGrowth, sampleValue } from './stats.js';
import { runWsPhase } from './ws.js';
import { runChatLoadWrk, wrkAvailable } from './wrk.js';

// `npm run bench [-- --quick] [-- --json] [-- --rest-only | --ws-only | --until-fixed] [-- --soak-sec N]`: builds, starts the gateway and the worker as
// production processes on a fresh database and Redis prefix, seeds tenants and users, and
// measures throughput, latency at a fixed rate, a 15x burst and a soak. Results go to
// bench/results/<timestamp>.json and .md; `--json` prints the JSON object only.

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const jsonOnly = args.has('--json');
/** Development aid: warm-up and the throughput phase only, printed to stderr; no report is written. */
const restOnly = args.has('--rest-only');
/** Development aid: warm-up, the throughput phase and the WebSocket phase, printed to stderr; no report is written. */
const wsOnly = args.has('--ws-only');
/** Development aid: warm-up, the throughput phase and the fixed-rate phase (as in a full run), printed to stderr; no report. */
const untilFixed = args.has('--until-fixed');
/** `--soak-sec N`: a longer (or shorter) soak than the plan's, to look for slow growth. */
const soakSecArg = process.argv.indexOf('--soak-sec');
const soakSec = soakSecArg > 0 ? Number(process.argv[soakSecArg + 1]) : undefined;
if (soakSec !== undefined && !(Number.isInteger(soakSec) && soakSec >= 10)) throw new Error('--soak-sec takes whole seconds, at least 10');
const log = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);

const PLAN = {
  tenants: quick ? 4 : 10,
  usersPerTenant: quick ? 250 : 1000,
  warmupSec: quick ? 3 : 5,
  rest: { connections: 64, durationSec: quick ? 8 : 30 },
  fixed: { rate: 500, durationSec: quick ? 8 : 20 },
  burst: { multiplier: 15, durationSec: quick ? 5 : 10 },
  soak: { rate: 300, durationSec: soakSec ?? (quick ? 30 : 600) },
  ws: { connections: quick ? 2_000 : 20_000, chattingFraction: 0.02, durationSec: quick ? 12 : 30 },
};

const env = await prepareEnvironment();
const logDir = 'bench/results/logs';
mkdirSync(logDir, { recursive: true });
const processEnv = appEnv(env);
const gateway = new AppProcess('gateway', 'dist/apps/gateway/src/main.js', processEnv, `${logDir}/${env.runId}-gateway.log`);
const worker = new AppProcess('worker', 'dist/apps/nlp-worker/src/main.js', processEnv, `${logDir}/${env.runId}-worker.log`);
const redis = new Redis(env.redisUrl, { protocol: 2 });
const queueKey = (list: string): string => `{${env.prefix}:bull}:answer:${list}`;
const queueDepth = async (): Promise<number> => (await redis.llen(queueKey('wait'))) + (await redis.llen(queueKey('active')));
/** CPU time of the load generator: this process and its waited-for children (wrk), in µs (/proc/self/stat). */
const loadGenCpuMicros = (): number => {
  const own = process.cpuUsage();
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // cutime and cstime, fields 16 and 17 of stat(5), in clock ticks (USER_HZ = 100).
  return own.user + own.system + (Number(fields[13]) + Number(fields[14])) * 10_000;
};
/** The closed-loop phases' load tool: wrk when installed (far less CPU per request on a shared box), else autocannon. */
const closedLoop = wrkAvailable() ? { tool: 'wrk', run: runChatLoadWrk } : { tool: 'autocannon', run: runChatLoad };
/** CPU time the Redis server has used (its own accounting, INFO cpu), in µs: it shares the cores too. */
const redisCpuMicros = async (): Promise<number> => {
  const info = await redis.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return Math.round((field('used_cpu_user') + field('used_cpu_sys')) * 1e6);
};

const databaseName = new URL(env.databaseUrl).pathname.slice(1);

const STAGE_METRIC = 'fengda_turn_stage_duration_seconds';
/** What the bench reads from the gateway's metrics around a phase: its turn stages and the answer jobs it sent. */
interface GatewayScrape {
  stages: Map<string, [number, number][]>;
  jobTurns: { sum: number; count: number };
}
/** An app's Prometheus text (`/metrics` on its port); with `timeoutMs`, given up after that long. */
const metricsText = async (port: number, timeoutMs?: number): Promise<string> =>
  (await fetch(`http://127.0.0.1:${port}/metrics`, timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) })).text();
const scrapeGateway = async (): Promise<GatewayScrape> => {
  const text = await metricsText(env.port);
  return {
    stages: parseHistogram(text, STAGE_METRIC, 'stage'),
    jobTurns: { sum: sampleValue(text, 'fengda_answer_job_turns_sum'), count: sampleValue(text, 'fengda_answer_job_turns_count') },
  };
};
/** An app's V8 heap in use (prom-client's default metric on its /metrics), MiB. */
const heapUsedMiB = async (port: number): Promise<number> =>
  round(sampleValue(await metricsText(port, 4_000), 'fengda_nodejs_heap_size_used_bytes') / 2 ** 20);
type StageQuantiles = Record<string, { p50: number; p99: number }>;
/** p50 and p99 (ms) of each stage of the gateway's turn (admission, enqueue, answer, write_back) between two scrapes. */
const stageQuantiles = (before: Map<string, [number, number][]>, after: Map<string, [number, number][]>): StageQuantiles =>
  Object.fromEntries(
    [...after].map(([stage, buckets]) => [stage, { p50: round(histogramQuantile(before.get(stage), buckets, 0.5) * 1000), p99: round(histogramQuantile(before.get(stage), buckets, 0.99) * 1000) }]),
  );
const formatStages = (stages: StageQuantiles): string =>
  Object.entries(stages)
    .map(([stage, q]) => `${stage} ${q.p50}/${q.p99}`)
    .join(', ');

/**
 * Runs one load phase, measuring both processes' CPU and memory and the queue depth, and this
 * process's CPU (the load generator shares the cores with what it measures).
 */
const phase = async (name: string, run: () => Promise<LoadResult>): Promise<LoadResult & Record<string, unknown> & { stagesMs: StageQuantiles }> => {
  log(`${name}: running`);
  const cpu0 = { gateway: gateway.cpuMicros(), worker: worker.cpuMicros(), bench: loadGenCpuMicros(), redis: await redisCpuMicros(), postgres: postgresBackendCpu(databaseName) };
  const scrape0 = await scrapeGateway();
  let maxDepth = 0;
  const sampler = setInterval(() => void queueDepth().then((d) => (maxDepth = Math.max(maxDepth, d))), 500);
  const result = await run();
  clearInterval(sampler);
  const scrape1 = await scrapeGateway();
  const stagesMs = stageQuantiles(scrape0.stages, scrape1.stages);
  const answerJobs = scrape1.jobTurns.count - scrape0.jobTurns.count;
  const cpu = { gateway: gateway.cpuMicros() - cpu0.gateway, worker: worker.cpuMicros() - cpu0.worker, bench: loadGenCpuMicros() - cpu0.bench, redis: (await redisCpuMicros()) - cpu0.redis, postgres: postgresCpuBetween(cpu0.postgres, postgresBackendCpu(databaseName)) };
  const turns = Math.max(1, result.ok);
  const out = {
    ...result,
    cpuUsPerTurn: Math.round((cpu.gateway + cpu.worker) / turns),
    gatewayCpuUsPerTurn: Math.round(cpu.gateway / turns),
    workerCpuUsPerTurn: Math.round(cpu.worker / turns),
    loadGenCpuUsPerTurn: Math.round(cpu.bench / turns),
    redisCpuUsPerTurn: Math.round(cpu.redis / turns),
    // The audit trail's inserts, nearly all of it (null when the server is not on this machine).
    postgresCpuUsPerTurn: cpu.postgres === null ? null : Math.round(cpu.postgres / turns),
    gatewayRssMiB: gateway.rssMiB(),
    workerRssMiB: worker.rssMiB(),
    maxQueueDepth: maxDepth,
    fallbackRate: round(result.fallbacks / turns, 3),
    // Turns per answer job the gateway sent (turns share jobs under load; the queue's cost is per job).
    turnsPerAnswerJob: answerJobs > 0 ? round((scrape1.jobTurns.sum - scrape0.jobTurns.sum) / answerJobs, 1) : 0,
    stagesMs,
  };
  log(`${name}: ${out.turnsPerSec} turns/s, p50 ${out.latency.p50} ms, p99 ${out.latency.p99} ms, errors ${out.errors}, ${out.cpuUsPerTurn} µs CPU/turn (Redis ${out.redisCpuUsPerTurn}, Postgres ${out.postgresCpuUsPerTurn ?? 'n/a'}, load generator ${out.loadGenCpuUsPerTurn})`);
  return out;
};

/**
 * The WebSocket phase, with the gateway's own view of its turns (the stage histogram covers every channel): the clients
 * time a turn in processes that also handle thousands of sockets' pings, so their latency includes their own waits.
 */
const wsPhase = async (target: Target) => {
  const before = await scrapeGateway();
  const ws = await runWsPhase({ baseUrl: target.baseUrl, tokens: target.tokens, queries: target.queries, ...PLAN.ws, gateway, gatewayEnv: processEnv, log });
  return { ...ws, stagesMs: stageQuantiles(before.stages, (await scrapeGateway()).stages) };
};

/** A phase's CPU per turn, by process (for the report: at low rates a turn costs several times what it does at saturation). */
const cpuFields = (p: Awaited<ReturnType<typeof phase>>) => ({
  cpuUsPerTurn: p.cpuUsPerTurn,
  gatewayCpuUsPerTurn: p.gatewayCpuUsPerTurn,
  workerCpuUsPerTurn: p.workerCpuUsPerTurn,
  redisCpuUsPerTurn: p.redisCpuUsPerTurn,
  postgresCpuUsPerTurn: p.postgresCpuUsPerTurn,
  loadGenCpuUsPerTurn: p.loadGenCpuUsPerTurn,
});

try {
  await Promise.all([waitForOk(`http://127.0.0.1:${env.port}/health/ready`), waitForOk(`http://127.0.0.1:${env.workerPort}/health/ready`)]);
  log(`apps up (gateway pid ${gateway.pid}, worker pid ${worker.pid}); seeding ${PLAN.tenants} tenants x ${PLAN.usersPerTenant} users`);
  const target: Target = { baseUrl: `http://127.0.0.1:${env.port}`, tokens: await seedTenants(env, PLAN.tenants, PLAN.usersPerTenant), queries: benchQueries() };

  const hostBefore = referenceLoopMs();
  log(`closed-loop load: ${closedLoop.tool}`);
  await closedLoop.run(target, { connections: 32, durationSec: PLAN.warmupSec });
  const rest = await phase('rest', () => closedLoop.run(target, PLAN.rest));
  const hostAfterRest = referenceLoopMs();
  if (restOnly) {
    log(`rest: p95 ${rest.latency.p95} ms, max ${rest.latency.max} ms, gateway ${rest.gatewayCpuUsPerTurn} + worker ${rest.workerCpuUsPerTurn} µs/turn, queue depth ≤ ${rest.maxQueueDepth}, ${rest.turnsPerAnswerJob} turns per answer job`);
    log(`rest: gateway stages p50/p99 ms: ${formatStages(rest.stagesMs)}`);
    log(`host: reference loop ${hostBefore} ms before, ${hostAfterRest} ms after (lower is faster)`);
  } else if (untilFixed) {
    const fixed = await phase('fixed', () => runOpenLoop(target, { connections: 64, ...PLAN.fixed }));
    log(`fixed: p95 ${fixed.latency.p95} ms, max ${fixed.latency.max} ms, gateway stages p50/p99 ms: ${formatStages(fixed.stagesMs)}`);
    log(`host: reference loop ${hostBefore} ms before the rest phase, ${hostAfterRest} ms after it (lower is faster)`);
  } else if (wsOnly) {
    const ws = await wsPhase(target);
    log(`ws: ${ws.connections} sockets held, ${ws.pingsPerSocket} pings each, ${ws.turns} turns p50 ${ws.p50Ms} ms p99 ${ws.p99Ms} ms, errors ${ws.errors} ${JSON.stringify(ws.errorCodes)}, gateway RSS ${ws.gatewayRssMiB} MiB`);
    log(`ws: gateway stages p50/p99 ms: ${formatStages(ws.stagesMs)}`);
  } else {
    const fixed = await phase('fixed', () => runOpenLoop(target, { connections: 64, ...PLAN.fixed }));

    const burstRate = PLAN.fixed.rate * PLAN.burst.multiplier;
    const burst = await phase('burst', () => runOpenLoop(target, { connections: 256, rate: burstRate, durationSec: PLAN.burst.durationSec }));
    const drainStart = Date.now();
    while ((await queueDepth()) > 0 && Date.now() - drainStart < 120_000) await new Promise((r) => setTimeout(r, 100));
    const drainSec = round((Date.now() - drainStart) / 1000);

    const ws = await wsPhase(target);
    log(`ws: ${ws.connections} sockets held, ${ws.pingsPerSocket} pings each, ${ws.turns} turns p99 ${ws.p99Ms} ms, errors ${ws.errors} ${JSON.stringify(ws.errorCodes)}, gateway RSS ${ws.gatewayRssMiB} MiB`);

    const rssSamples: { t: number; gateway: number; worker: number; gatewayHeap?: number; workerHeap?: number }[] = [];
    const soakStart = Date.now();
    const rssTimer = setInterval(() => {
      const sample = { t: round((Date.now() - soakStart) / 1000), gateway: gateway.rssMiB(), worker: worker.rssMiB() };
      // A scrape that fails (an app busy past the timeout) leaves that sample without heap figures.
      void Promise.all([heapUsedMiB(env.port), heapUsedMiB(env.workerPort)]).then(
        ([gatewayHeap, workerHeap]) => rssSamples.push({ ...sample, gatewayHeap, workerHeap }),
        () => rssSamples.push(sample),
      );
    }, 5_000);
    const soak = await phase('soak', () => runOpenLoop(target, { connections: 32, ...PLAN.soak }));
    clearInterval(rssTimer);
    rssSamples.sort((a, b) => a.t - b.t);
    const growth = { gateway: rssGrowth(rssSamples.map((s) => s.gateway)), worker: rssGrowth(rssSamples.map((s) => s.worker)) };
    // The V8 heap in use, sampled the same way: its floor is the live data, without the allocator's and the heap limit's moves.
    const heaps = (pick: (s: (typeof rssSamples)[number]) => number | undefined): number[] =>
      rssSamples.map(pick).filter((v): v is number => v !== undefined);
    const heapGrowth = { gateway: rssGrowth(heaps((s) => s.gatewayHeap)), worker: rssGrowth(heaps((s) => s.workerHeap)) };

    const report = {
      runAt: new Date().toISOString(),
      quick,
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version, referenceLoopMs: { beforeRest: hostBefore, afterRest: hostAfterRest, atEnd: referenceLoopMs() } },
      plan: PLAN,
      loadTool: { closedLoop: closedLoop.tool, openLoop: 'scripts/bench/open-loop.ts' },
      rest: { turnsPerSec: rest.turnsPerSec, p50Ms: rest.latency.p50, p95Ms: rest.latency.p95, p99Ms: rest.latency.p99, maxMs: rest.latency.max, errors: rest.errors, fallbackRate: rest.fallbackRate, ...cpuFields(rest), gatewayRssMiB: rest.gatewayRssMiB, workerRssMiB: rest.workerRssMiB, maxQueueDepth: rest.maxQueueDepth, turnsPerAnswerJob: rest.turnsPerAnswerJob, stagesMs: rest.stagesMs },
      fixed: { rate: PLAN.fixed.rate, turnsPerSec: fixed.turnsPerSec, p50Ms: fixed.latency.p50, p95Ms: fixed.latency.p95, p99Ms: fixed.latency.p99, maxMs: fixed.latency.max, errors: fixed.errors, ...cpuFields(fixed), turnsPerAnswerJob: fixed.turnsPerAnswerJob, stagesMs: fixed.stagesMs },
      ws,
      burst: { rate: burstRate, turnsPerSec: burst.turnsPerSec, errors: burst.errors, p50Ms: burst.latency.p50, p95Ms: burst.latency.p95, p99Ms: burst.latency.p99, maxMs: burst.latency.max, fallbackRate: burst.fallbackRate, maxQueueDepth: burst.maxQueueDepth, drainSec, ...cpuFields(burst) },
      soak: { rate: PLAN.soak.rate, durationSec: PLAN.soak.durationSec, turnsPerSec: soak.turnsPerSec, errors: soak.errors, p50Ms: soak.latency.p50, p95Ms: soak.latency.p95, p99Ms: soak.latency.p99, maxMs: soak.latency.max, ...cpuFields(soak), rssGrowthPct: Math.max(growth.gateway.floor, growth.worker.floor), gatewayRssGrowthPct: growth.gateway.floor, workerRssGrowthPct: growth.worker.floor, gatewayRssGrowth: growth.gateway, workerRssGrowth: growth.worker, gatewayHeapGrowth: heapGrowth.gateway, workerHeapGrowth: heapGrowth.worker, rssSamples },
    };
    mkdirSync('bench/results', { recursive: true });
    const stamp = report.runAt.replace(/[:.]/g, '-');
    writeFileSync(`bench/results/${stamp}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`bench/results/${stamp}.md`, markdownReport(report));
    if (jsonOnly) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stdout.write(markdownReport(report));
  }
} finally {
  await Promise.all([gateway.stop(), worker.stop()]);
  redis.disconnect();
  await cleanup(env).catch((e: Error) => log(`cleanup failed: ${e.message}`));
}

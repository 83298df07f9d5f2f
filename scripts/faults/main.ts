import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Redis } from 'ioredis';
import { runMigrations } from '../../libs/database/src/index.js';
import { appEnv } from '../bench/setup.js';
import { Cluster, FaultApp } from './apps.js';
import { CASES } from './cases.js';
import { FakeLlm } from './fake-llm.js';
import { strayLineSummary } from './logs.js';
import { startReaper } from './reaper.js';
import { markdownReport, table, type FaultReport } from './report.js';
import { childrenOf, isAlive, keepServiceLogs, machineBusyTicks, PrivatePostgres, PrivateRedis, processTicks, ScratchDir, sparePort, TICKS_PER_SEC } from './services.js';
import { CaseBuilder, type CaseResult, type Suite } from './suite.js';
import { kbQueries, seedTenants, warmUp } from './tenants.js';

// `npm run test:faults [-- --only redis,llm] [-- --rate 80]`: the built gateway and worker (two
// of each) on a private PostgreSQL and Redis, under steady chat load, through five faults:
// Redis killed, a worker killed mid-job, Postgres killed, the language-model provider failing
// and stalling, SIGTERM to a gateway and a worker. One table; JSON + Markdown in bench/results;
// exit code 1 if any case fails its checks.

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
};
const ALIASES: Record<string, string> = { '1': 'redis', '2': 'worker-kill', worker: 'worker-kill', '3': 'postgres', pg: 'postgres', '4': 'llm', '5': 'sigterm' };
const only = option('only')
  ?.split(',')
  .map((name) => ALIASES[name.trim()] ?? name.trim());
const unknown = only?.filter((name) => !CASES.some((c) => c.id === name)) ?? [];
if (unknown.length) {
  process.stderr.write(`unknown case(s) ${unknown.join(', ')}; cases: ${CASES.map((c, i) => `${i + 1}|${c.id}`).join(', ')}\n`);
  process.exit(2);
}
const RATE = Number(option('rate') ?? 50);
const GRACE_MS = 10_000;
const HALF_OPEN_MS = 3_000;
const DEADLINE_MS = 1_500;
/** The tightest bound on time any case applies (the LLM case's: the deadline + 250 ms). */
const CONTROL_MAX_MS = DEADLINE_MS + 250;

const started = Date.now();
const log = (message: string): void => void process.stderr.write(`[faults ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}\n`);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const logDir = 'bench/results/logs';
mkdirSync(logDir, { recursive: true });

const scratch = new ScratchDir();
// Should this process be SIGKILLed, the reaper stops what it started and removes the scratch directory.
startReaper(scratch);
const pgServer = new PrivatePostgres(scratch, await sparePort());
const redisServer = new PrivateRedis(scratch, await sparePort());
let cluster: Cluster | undefined;
let redis: Redis | undefined;
let fake: FakeLlm | undefined;

// Whatever happens (an exception, Ctrl-C), the apps, PostgreSQL and Redis of this run go away.
let cleanedUp = false;
const cleanup = async (): Promise<void> => {
  if (cleanedUp) return;
  cleanedUp = true;
  await cluster?.stop().catch(() => undefined);
  redis?.disconnect();
  await fake?.close().catch(() => undefined);
  await redisServer.stop().catch(() => undefined);
  await pgServer.stop().catch(() => undefined);
  keepServiceLogs([pgServer.logFile, redisServer.logFile], logDir, stamp);
  scratch.remove();
};
process.on('exit', () => {
  if (cleanedUp) return;
  for (const app of cluster?.all ?? []) app.killNow();
  for (const pid of [redisServer.pid, pgServer.pid]) if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
  scratch.remove();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

let exitCode: number;
try {
  log(`private postgres on ${pgServer.port}, redis on ${redisServer.port} in ${scratch.root}`);
  await pgServer.init();
  await Promise.all([pgServer.start(), redisServer.start()]);
  await pgServer.query('CREATE DATABASE fengda', [], 'postgres');
  await runMigrations(pgServer.url('fengda'));

  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const prefix = `fdfaults-${runId}`;
  const adminToken = randomBytes(24).toString('base64url');
  const env = {
    ...appEnv({ runId, databaseUrl: pgServer.url('fengda'), redisUrl: redisServer.url, prefix, adminToken, jwtSecret: randomBytes(48).toString('base64url'), port: 0, workerPort: 0 }),
    LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'info',
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    LLM_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
  };
  const app = (name: string, kind: 'gateway' | 'worker', port: number): FaultApp =>
    new FaultApp(
      name,
      kind,
      kind === 'gateway' ? 'dist/apps/gateway/src/main.js' : 'dist/apps/nlp-worker/src/main.js',
      { ...env, ...(kind === 'gateway' ? { PORT: String(port) } : { WORKER_PORT: String(port) }) },
      port,
      `${logDir}/faults-${stamp}-${name}.log`,
      (pid) => scratch.track(pid, name),
    );
  cluster = new Cluster(
    [app('gateway-1', 'gateway', await sparePort()), app('gateway-2', 'gateway', await sparePort())],
    [app('worker-1', 'worker', await sparePort()), app('worker-2', 'worker', await sparePort())],
  );
  log('starting 2 gateways + 2 workers');
  await cluster.start();
  redis = new Redis(redisServer.url, { protocol: 2, maxRetriesPerRequest: 1, connectTimeout: 1_000 });
  redis.on('error', () => undefined);
  fake = await FakeLlm.start();

  let seeded = 0;
  const suite: Suite = {
    cluster,
    pg: pgServer,
    redisServer,
    redis,
    fake,
    prefix,
    rate: RATE,
    graceMs: GRACE_MS,
    halfOpenMs: HALF_OPEN_MS,
    deadlineMs: DEADLINE_MS,
    logFiles: cluster.all.map((a) => `${logDir}/faults-${stamp}-${a.name}.log`),
    seed: async (specs, users = 40) => {
      // Tenant ids are new on every call (a case run a second time seeds again).
      const suffix = `${runId.slice(-4)}${seeded++ ? `-${seeded}` : ''}`;
      const tenants = await seedTenants({ gatewayUrl: cluster!.gateways[0]!.url, adminToken, ownerDatabaseUrl: pgServer.url('fengda'), redis: redis!, prefix }, specs.map((s) => ({ ...s, id: `${s.id}-${suffix}` })), users);
      await warmUp(cluster!.gateways.map((g) => g.url), tenants, kbQueries());
      return tenants;
    },
    keepTurns: (caseId, turns) => writeFileSync(`${logDir}/faults-${stamp}-${caseId}-turns.jsonl`, turns.map((t) => JSON.stringify(t)).join('\n') + '\n'),
    log,
  };

  /** Every case starts from a healthy system, whatever the previous one (or attempt) left behind. */
  const prepare = async (): Promise<void> => {
    if (!redisServer.pid) await redisServer.start();
    if (!pgServer.pid) await pgServer.start();
    const restarted = await cluster!.ensureUp();
    if (restarted.length) log(`restarted before the case: ${restarted.join(', ')}`);
    // Answer jobs a killed worker left `active` come back when BullMQ's stalled check hands them
    // over (JOB_LOCKS: within ~15 s): start only once none is left.
    const activeKey = `{${prefix}:bull}:answer:active`;
    const idleBy = Date.now() + 30_000;
    let active = await redis!.llen(activeKey).catch(() => 0);
    if (active > 0) log(`waiting for ${active} answer jobs left active by the previous case`);
    while (active > 0 && Date.now() < idleBy) {
      await new Promise((r) => setTimeout(r, 500));
      active = await redis!.llen(activeKey).catch(() => 0);
    }
  };

  /** The case once, with the CPU the machine and the suite's own processes used meanwhile. */
  const attempt = async (fault: (typeof CASES)[number]): Promise<CaseResult> => {
    await prepare();
    const suitePids = (): number[] => {
      const pg = pgServer.pid;
      return [process.pid, ...cluster!.all.filter((a) => a.alive).map((a) => a.pid), ...(redisServer.pid ? [redisServer.pid] : []), ...(pg ? [pg, ...childrenOf(pg)] : [])];
    };
    const ticksBefore = new Map(suitePids().map((pid) => [pid, processTicks(pid)]));
    const busyBefore = machineBusyTicks();
    const t0 = Date.now();
    let result: CaseResult;
    try {
      result = await fault.run(suite);
    } catch (error) {
      const c = new CaseBuilder(fault.id, fault.title, RATE);
      c.check('case ran to the end', false, (error as Error).stack ?? String(error));
      result = c.finish();
    }
    const seconds = (Date.now() - t0) / 1000;
    const suiteTicks = suitePids().reduce((sum, pid) => sum + processTicks(pid) - (ticksBefore.get(pid) ?? 0), 0);
    const cores = (ticks: number): number => Math.round((ticks / TICKS_PER_SEC / seconds) * 100) / 100;
    result.machine = { cores: cpus().length, busyCores: cores(machineBusyTicks() - busyBefore), suiteCores: cores(suiteTicks) };
    return result;
  };

  const results: CaseResult[] = [];
  for (const fault of CASES.filter((c) => !only || only.includes(c.id))) {
    log(`case ${fault.id}: ${fault.title}`);
    let result = await attempt(fault);
    // A bound on time measures the fault only if the same system met the suite's tightest bound
    // before it, on this machine, at this moment. When only such checks failed and the turns
    // before the fault did not meet it either (the machine was starved: other processes' load),
    // the measurement says nothing about the fault: the case runs once more, and both attempts
    // are reported. Nothing lost, doubled or crashed is ever run again.
    const unmeasurable = (r: CaseResult): string | null => {
      const failed = r.checks.filter((k) => !k.ok);
      if (failed.length === 0 || failed.some((k) => !k.timing) || !r.control) return null;
      const { turns, failed: errors, maxMs } = r.control;
      if (errors === 0 && maxMs <= CONTROL_MAX_MS) return null;
      return `before the fault ${errors} of ${turns} turns failed and the slowest took ${maxMs} ms (bound ${CONTROL_MAX_MS} ms); machine ${r.machine?.busyCores ?? '?'} of ${r.machine?.cores ?? '?'} cores busy, the suite's processes ${r.machine?.suiteCores ?? '?'}`;
    };
    const why = unmeasurable(result);
    if (why) {
      log(`case ${fault.id}: ${result.verdict}, not measurable: ${why}`);
      for (const k of result.checks.filter((k) => !k.ok)) log(`  ✗ ${k.name}: ${k.detail}`);
      log(`case ${fault.id}: once more`);
      const first = result;
      result = await attempt(fault);
      result.attempts = 2;
      result.notes.unshift(`Second attempt. The first failed ${first.checks.filter((k) => !k.ok).map((k) => `"${k.name}" (${k.detail})`).join(', ')}, but was not a measurement of the fault: ${why}.`);
      result.extra.firstAttempt = { checks: first.checks.filter((k) => !k.ok), control: first.control, machine: first.machine, load: first.load };
    }
    results.push(result);
    log(`case ${fault.id}: ${result.verdict}${result.attempts > 1 ? ' (2nd attempt)' : ''} (${result.loadHeld}/${RATE} turns/s held, errors ${result.errors}, lost ${result.lost}, doubled ${result.doubled}, recovery ${result.recoverySec ?? '—'} s; machine ${result.machine?.busyCores}/${result.machine?.cores} cores busy, suite ${result.machine?.suiteCores})`);
    for (const k of result.checks.filter((k) => !k.ok)) log(`  ✗ ${k.name}: ${k.detail}`);
  }

  // Stopping the apps flushes their buffered logs before the report reads them.
  await cluster.stop();
  const report: FaultReport = {
    runAt: new Date(started).toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    settings: { rate: RATE, deadlineMs: DEADLINE_MS, shutdownGraceMs: GRACE_MS, llmBreakerHalfOpenMs: HALF_OPEN_MS, gateways: 2, workers: 2, only: only ?? 'all' },
    totalSec: Math.round((Date.now() - started) / 1000),
    cases: results,
    stray: Object.fromEntries(suite.logFiles.map((f) => [f.split('/').pop()!, strayLineSummary(f, { redis: redisServer.port, postgres: pgServer.port }).slice(0, 8)])),
    logDir,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/faults-${stamp}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`bench/results/faults-${stamp}.md`, markdownReport(report));
  process.stdout.write(`\n${table(results)}\n\nDetails: bench/results/faults-${stamp}.md (JSON beside it); app logs: ${logDir}/faults-${stamp}-*.log\n`);
  exitCode = results.length > 0 && results.every((r) => r.verdict === 'PASS') ? 0 : 1;
} catch (error) {
  log(`suite failed: ${(error as Error).stack ?? String(error)}`);
  exitCode = 1;
} finally {
  await cleanup().catch((e: Error) => log(`cleanup failed: ${e.message}`));
  log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
}
process.exit(exitCode);

import { randomBytes } from 'node:crypto';
import { summarize } from '../bench/stats.js';
import type { FaultApp } from './apps.js';
import { LoadRun, recoveredAt, startedBetween, type TurnRecord } from './load.js';
import { logFindings, readLog, slowRequests, strayLineCount } from './logs.js';
import { sleep } from './services.js';
import { CaseBuilder, sec, type CaseResult, type Suite } from './suite.js';
import { interleave, kbQueries, type SeededTenant } from './tenants.js';
import { verifyTurns, waitForAudit } from './verify.js';

export interface FaultCase {
  id: string;
  title: string;
  run(s: Suite): Promise<CaseResult>;
}

/** "Never a hang beyond the deadline + a little": the client's longest single wait allowed. */
const HANG_SLACK_MS = 1_000;

const bull = (s: Suite, queue: string, list: string): string => `{${s.prefix}:bull}:${queue}:${list}`;

/** A Redis read that answers `fallback` instead of throwing while Redis is down. */
const quietly = async <T>(read: Promise<T>, fallback: T): Promise<T> => {
  try {
    return await read;
  } catch {
    return fallback;
  }
};

const startLoad = (s: Suite, label: string, tenants: SeededTenant[], durationMs: number, retry: boolean): LoadRun =>
  new LoadRun({
    label: `${label}-${randomBytes(3).toString('hex')}`,
    rate: s.rate,
    durationMs,
    gateways: s.cluster.gateways.map((g) => g.url),
    users: interleave(tenants),
    queries: kbQueries(),
    retry,
  }).start();

const sameProcesses = (before: Record<string, number>, apps: FaultApp[], since: number): { ok: boolean; detail: string } => {
  const changed = apps.filter((a) => before[a.name] !== a.pid || !a.alive).map((a) => `${a.name} ${before[a.name]} -> ${a.alive ? a.pid : 'dead'}`);
  const crashed = apps.flatMap((a) => a.unexpectedExits.filter((e) => e.at >= since).map((e) => `${a.name} pid ${e.pid} exited code ${e.code} signal ${e.signal}`));
  return {
    ok: changed.length === 0 && crashed.length === 0,
    detail: changed.length || crashed.length ? [...changed, ...crashed].join('; ') : `unchanged: ${apps.map((a) => `${a.name} ${a.pid}`).join(', ')}`,
  };
};

/** Lost/doubled over history and audit, after waiting (bounded) for the audit trail to catch up. */
const verifyAll = async (s: Suite, c: CaseBuilder, tenants: SeededTenant[], turns: TurnRecord[], auditTimeoutMs: number): Promise<number | null> => {
  const audit = await waitForAudit(s.pg, tenants.map((t) => t.id), turns, auditTimeoutMs);
  // Retries still in flight must not add rows: give them a moment, then count.
  await sleep(1_000);
  const v = await verifyTurns(s.cluster.gateways[1]!.url, s.pg, tenants, turns);
  c.setVerification(v);
  c.check('none lost', v.lost === 0, `${v.accepted} accepted; ${v.missingFromHistory} missing from the history, ${v.missingAudit} without an audit row`);
  c.check('none doubled', v.doubled === 0 && v.seqMismatch === 0, `${v.doubledInHistory} clientMsgIds stored twice, ${v.doubledInAudit} turns audited twice, ${v.seqMismatch} seq mismatches`);
  if (v.storedNotAcknowledged > 0) c.note(`${v.storedNotAcknowledged} turns were stored although the client got no 200 for them (the request failed after the write; a retry with the same clientMsgId would get the stored answer).`);
  if (v.examples.length) c.note(`examples: ${v.examples.slice(0, 6).join(' | ')}`);
  return audit.completeAt;
};

const windowStats = (turns: TurnRecord[]) => {
  const ok = turns.filter((t) => t.status === 200);
  const count = (source: string): number => ok.filter((t) => t.source === source).length;
  return { turns: turns.length, ok: ok.length, kb: count('kb'), llm: count('llm'), fallback: count('fallback'), latencyMs: summarize(turns.map((t) => t.end - t.start)) };
};

// ---------------------------------------------------------------------------------------------
// 1. Redis SIGKILLed and restarted (AOF, fsync always)
// ---------------------------------------------------------------------------------------------
const redisCase: FaultCase = {
  id: 'redis',
  title: 'Redis SIGKILL, restart after 5 s (AOF)',
  async run(s) {
    const c = new CaseBuilder(this.id, this.title, s.rate);
    const tenants = await s.seed([{ id: 'f-redis-a' }, { id: 'f-redis-b' }, { id: 'f-redis-c' }]);
    const pids = s.cluster.pids();
    const strayBefore = strayLineCount(s.logFiles);
    const load = startLoad(s, 'redis', tenants, 26_000, false);
    await load.at(8_000);
    const killAt = c.fault('redis killed', load.t0);
    await s.redisServer.kill();
    await load.at(13_000);
    await s.redisServer.start();
    const restartAt = c.mark('redis back (answers PING)', load.t0);
    const turns = await load.done;
    s.keepTurns(this.id, turns);
    c.setLoad(turns, 26);

    const before = turns.filter((t) => t.end < killAt);
    const outage = turns.filter((t) => t.end >= killAt && t.start < restartAt);
    // Back to normal: every turn 200 and on time again (a turn parked in a client's offline queue
    // until the apps reconnect ends 200, late).
    const backAt = recoveredAt(turns, restartAt, (t) => t.status === 200 && t.end - t.start <= s.deadlineMs + HANG_SLACK_MS);
    if (backAt) c.mark('turns all 200 and on time again', load.t0, backAt);
    c.result.extra = { before: windowStats(before), outage: { ...windowStats(outage), statuses: countBy(outage, (t) => `${t.status || t.code}`) }, afterRestart: windowStats(startedBetween(turns, restartAt, Infinity)) };

    const processes = sameProcesses(pids, s.cluster.all, c.result.startedAt);
    c.check('no crash (PIDs unchanged)', processes.ok, processes.detail);
    const longest = c.result.load.longestAttemptMs;
    const hung = turns.filter((t) => t.longestAttemptMs > s.deadlineMs + HANG_SLACK_MS);
    c.timing(
      'no hang',
      hung.length === 0,
      `${hung.length} requests took longer than the deadline + ${HANG_SLACK_MS} ms (${hung.filter((t) => t.status === 200).length} of them ended 200 once Redis was back, ${hung.filter((t) => t.status !== 200).length} otherwise); longest ${longest} ms`,
    );
    const slow = slowRequests(s.logFiles, killAt, Date.now(), s.deadlineMs + HANG_SLACK_MS);
    if (slow.count > 0) c.note(`The gateways' own request log agrees: ${slow.count} POST /v1/chat took over ${s.deadlineMs + HANG_SLACK_MS} ms server-side, e.g. ${slow.examples.join('; ')}.`);
    const odd = turns.filter((t) => t.status !== 200 && t.status !== 503);
    // Every app logs the outage as JSON lines: nothing (BullMQ's `console.error` of an unheard `error` event, an
    // ioredis dump) goes to stdout/stderr outside the log.
    const stray = strayLineCount(s.logFiles) - strayBefore;
    c.check('logs stay JSON', stray === 0, stray === 0 ? 'no line outside the JSON logs during the case' : `${stray} lines outside the JSON logs (see "Lines outside the apps' JSON logs")`);
    c.check('outage answered 200 (fallback) or 503 only', odd.length === 0, odd.length ? `other outcomes: ${JSON.stringify(countBy(odd, (t) => `${t.status} ${t.code ?? ''}`.trim()))}` : `${outage.filter((t) => t.status === 503).length} × 503, ${outage.filter((t) => t.status === 200).length} × 200 among turns in flight during the outage`);
    c.timing('no errors before the fault (turns done before the kill)', before.every((t) => t.status === 200), `${before.filter((t) => t.status !== 200).length} of ${before.length} failed`);
    c.timing('clients reconnected by themselves', backAt !== null && backAt - restartAt <= 10_000, backAt ? `every turn 200 and on time from ${sec(backAt - restartAt)} after the restart` : 'turns never all succeeded on time again');
    await s.cluster.ensureUp();
    const auditAt = await verifyAll(s, c, tenants, turns, 30_000);
    c.check('every accepted turn audited', auditAt !== null, auditAt ? 'audit rows complete' : 'audit rows still missing 30 s after the load');
    const lastOutageTurnEnd = Math.max(restartAt, ...turns.filter((t) => t.start < restartAt).map((t) => t.end));
    c.recovery(backAt ? Math.max(backAt, lastOutageTurnEnd) - restartAt : null, 'from the restart until new turns all succeeded on time and every turn begun during the outage had its answer');
    c.result.logFindings = logFindings(s.logFiles, c.result.startedAt, Date.now());
    return c.finish();
  },
};

// ---------------------------------------------------------------------------------------------
// 2. A worker SIGKILLed mid-job, the other worker running
// ---------------------------------------------------------------------------------------------
const workerKillCase: FaultCase = {
  id: 'worker-kill',
  title: 'worker SIGKILL mid-job (2nd worker running)',
  async run(s) {
    const c = new CaseBuilder(this.id, this.title, s.rate);
    // One tenant's answers come from a model that takes 400 ms, so each worker always has jobs in
    // the middle of their work when it dies.
    const tenants = await s.seed([
      { id: 'f-wk-a' },
      { id: 'f-wk-b' },
      { id: 'f-wk-slow', config: { llm: { baseUrl: s.fake.baseUrl, model: 'slow-400', apiKey: `sk-faults-${randomBytes(8).toString('hex')}`, timeoutMs: 1_300 } } },
    ]);
    const [victim, survivor] = s.cluster.workers as [FaultApp, FaultApp];
    const pids = s.cluster.pids();
    // The load goes on until BullMQ has taken the dead worker's jobs back (JOB_LOCKS: locks expire
    // 10 s after their last renewal, the stalled check runs every 5 s, so 8–15 s after the kill),
    // so the case also sees what that recovery does to live traffic; 60 s at most.
    const load = startLoad(s, 'wk', tenants, 60_000, false);
    await load.at(8_000);
    const activeAtKill = await quietly(s.redis.lrange(bull(s, 'answer', 'active'), 0, -1), [] as string[]);
    const killAt = c.fault('worker-1 SIGKILL', load.t0);
    await victim.signal('SIGKILL');
    const restarted = (async () => {
      await load.at(11_000);
      c.mark('worker-1 restarting', load.t0);
      await victim.start();
      c.mark('worker-1 ready again', load.t0);
    })();
    // The survivor finishes its own jobs at once; what is still active 2.5 s later is the dead
    // worker's.
    await sleep(2_500);
    const activeNow = new Set(await quietly(s.redis.lrange(bull(s, 'answer', 'active'), 0, -1), [] as string[]));
    const stranded = activeAtKill.filter((id) => activeNow.has(id));
    const auditActive = await quietly(s.redis.llen(bull(s, 'audit', 'active')), -1);
    const ids = tenants.map((t) => t.id);
    let strandedGoneAt: number | null = null;
    let auditAt: number | null = null;
    let wantedAt = 0;
    while (Date.now() < load.t0 + 55_000) {
      if (strandedGoneAt === null) {
        const active = await quietly(s.redis.lrange(bull(s, 'answer', 'active'), 0, -1), null);
        if (active && stranded.every((id) => !active.includes(id))) strandedGoneAt = c.mark("dead worker's jobs left 'active'", load.t0);
      }
      // Accepted so far, all audited? (Turns still in flight are checked after the load.)
      if (strandedGoneAt !== null && auditAt === null) {
        const settled = load.turns.filter((t) => t.end < Date.now() - 2_000);
        if ((await waitForAudit(s.pg, ids, settled, 0)).completeAt) auditAt = c.mark('audit rows complete', load.t0);
      }
      if (strandedGoneAt !== null && auditAt !== null) {
        wantedAt ||= Date.now() + 3_000;
        if (Date.now() >= wantedAt) break;
      }
      await sleep(500);
    }
    load.stop();
    const turns = await load.done;
    s.keepTurns(this.id, turns);
    await restarted;
    c.setLoad(turns, load.durationSec);

    const around = startedBetween(turns, killAt - s.deadlineMs, killAt + 1_000);
    const killFallbacks = around.filter((t) => t.source === 'fallback');
    const baseline = startedBetween(turns, 0, killAt - s.deadlineMs);
    const lastFallbackEnd = Math.max(killAt, ...killFallbacks.map((t) => t.end));
    const shedding = s.logFiles.flatMap((f) => readLog(f, killAt, Date.now())).filter((l) => l.msg === 'answer queue lagging: shedding new turns');
    c.result.extra = {
      answerJobsActiveAtKill: activeAtKill.length,
      strandedOnDeadWorker: stranded.length,
      auditJobsActive2sAfterKill: auditActive,
      fallbacksAroundKill: killFallbacks.length,
      strandedRecoveredAfterKillSec: strandedGoneAt ? Math.round((strandedGoneAt - killAt) / 100) / 10 : null,
      auditCompleteAfterKillSec: auditAt ? Math.round((auditAt - killAt) / 100) / 10 : null,
      sheddingEvents: shedding.map((l) => ({ at: Math.round((l.time - load.t0) / 100) / 10, app: l.app, lagMs: l.raw.lagMs, depth: l.raw.depth })),
      baseline: windowStats(baseline),
      aroundKill: windowStats(around),
      after: windowStats(startedBetween(turns, killAt + 1_000, Infinity)),
    };
    c.note(
      `${activeAtKill.length} answer jobs were active when worker-1 died; ${stranded.length} of them were still held by the dead worker 2.5 s later. The gateway's deadline answered ${killFallbacks.length} turns with the fallback (${baseline.filter((t) => t.source === 'fallback').length} fallbacks in the ${baseline.length} turns before).`,
    );
    if (shedding.length) {
      c.note(
        `The gateways' admission control shed new turns: ${shedding.map((l) => `${l.app} at ${Math.round((l.time - load.t0) / 100) / 10} s, lagMs ${String(l.raw.lagMs)}, depth ${String(l.raw.depth)}`).join('; ')}.`,
      );
    }

    c.timing('no errors (every turn 200)', c.result.errors === 0, `${c.result.errors} failed: ${JSON.stringify(c.result.load.errors)}`);
    const others = sameProcesses(pids, [...s.cluster.gateways, survivor], c.result.startedAt);
    c.check('gateways and the other worker unaffected', others.ok, others.detail);
    c.timing('no hang', c.result.load.longestAttemptMs <= s.deadlineMs + HANG_SLACK_MS, `longest request ${c.result.load.longestAttemptMs} ms`);
    c.check('killed worker restarted and ready', victim.alive, `pid ${victim.pid}`);
    const failed = await quietly(Promise.all(stranded.map((id) => s.redis.zscore(bull(s, 'answer', 'failed'), id))), []);
    c.check(
      "dead worker's jobs taken over (stalled-job recovery)",
      strandedGoneAt !== null,
      `${stranded.length} jobs stranded on the dead worker; ${strandedGoneAt ? `all left 'active' ${sec(strandedGoneAt - killAt)} after the kill` : 'still active'}, ${failed.filter((f) => f !== null).length} failed`,
    );
    const finalAuditAt = await verifyAll(s, c, tenants, turns, 30_000);
    const dropped = await droppedJobs(s);
    c.note(`The workers dropped ${dropped} answer jobs as past their deadline (fengda_jobs_dropped_total of the running workers; those turns had had their fallback).`);
    const doneAt = Math.max(lastFallbackEnd, strandedGoneAt ?? Infinity, auditAt ?? finalAuditAt ?? Infinity);
    c.recovery(Number.isFinite(doneAt) ? doneAt - killAt : null, "from the kill until every accepted turn was answered and audited and the dead worker's jobs were taken back (BullMQ's stalled check)");
    c.result.logFindings = logFindings(s.logFiles, c.result.startedAt, Date.now());
    return c.finish();
  },
};

const droppedJobs = async (s: Suite): Promise<number> => {
  let total = 0;
  for (const w of s.cluster.workers) {
    try {
      const text = await (await fetch(`${w.url}/metrics`)).text();
      const m = /^fengda_jobs_dropped_total(?:\{[^}]*\})? (\d+)/m.exec(text);
      total += Number(m?.[1] ?? 0);
    } catch {
      /* not up */
    }
  }
  return total;
};

// ---------------------------------------------------------------------------------------------
// 3. PostgreSQL SIGKILLed and restarted
// ---------------------------------------------------------------------------------------------
const postgresCase: FaultCase = {
  id: 'postgres',
  title: 'Postgres SIGKILL, restart after 8 s',
  async run(s) {
    const c = new CaseBuilder(this.id, this.title, s.rate);
    const tenants = await s.seed([{ id: 'f-pg-a' }, { id: 'f-pg-b' }, { id: 'f-pg-c' }]);
    const pids = s.cluster.pids();
    const failedBefore = await quietly(s.redis.zcard(bull(s, 'audit', 'failed')), 0);
    // The audit queue, sampled every 250 ms: its backlog's peak, the most jobs queued or running before the fault
    // (the load's own), and when after the restart no job waited out a backoff any more and the queue was back to that.
    let backlogPeak = 0;
    let steadyBefore = 0;
    let killAt = Infinity;
    let restartAt = Infinity;
    let drainedAt: number | null = null;
    const sampler = setInterval(() => {
      const at = Date.now();
      void quietly(Promise.all([s.redis.llen(bull(s, 'audit', 'wait')), s.redis.zcard(bull(s, 'audit', 'delayed')), s.redis.llen(bull(s, 'audit', 'active'))]), null).then((n) => {
        if (!n) return;
        const [waiting, delayed, active] = n;
        backlogPeak = Math.max(backlogPeak, waiting + delayed + active);
        if (at < killAt) steadyBefore = Math.max(steadyBefore, waiting + active);
        else if (at > restartAt && drainedAt === null && delayed === 0 && waiting + active <= Math.max(steadyBefore, 5)) drainedAt = at;
      });
    }, 250);
    const load = startLoad(s, 'pg', tenants, 26_000, false);
    await load.at(8_000);
    killAt = c.fault('postgres killed', load.t0);
    await s.pg.kill();
    await load.at(16_000);
    await s.pg.start();
    restartAt = c.mark('postgres back (accepts queries)', load.t0);
    const turns = await load.done;
    s.keepTurns(this.id, turns);
    c.setLoad(turns, 26);
    const auditAt = await verifyAll(s, c, tenants, turns, 60_000);
    clearInterval(sampler);
    if (drainedAt) c.mark('audit backlog drained', load.t0, drainedAt);
    if (auditAt) c.mark('audit rows == accepted turns', load.t0, auditAt);

    const outage = startedBetween(turns, killAt, restartAt);
    const o = windowStats(outage);
    const failedAfter = await quietly(s.redis.zcard(bull(s, 'audit', 'failed')), -1);
    c.result.extra = { before: windowStats(startedBetween(turns, 0, killAt)), outage: o, after: windowStats(startedBetween(turns, restartAt, Infinity)), auditBacklogPeak: backlogPeak, auditJobsFailed: failedAfter - failedBefore };
    c.timing('chat went on (every turn 200)', c.result.errors === 0, `${c.result.errors} failed: ${JSON.stringify(c.result.load.errors)}`);
    c.timing('answers from the KB during the outage', o.ok > 0 && o.kb / o.ok >= 0.9, `${o.kb} kb, ${o.fallback} fallback, ${o.llm} llm of ${o.ok} turns started during the outage`);
    c.timing('no hang', c.result.load.longestAttemptMs <= s.deadlineMs + HANG_SLACK_MS, `longest request ${c.result.load.longestAttemptMs} ms`);
    c.check('audit records waited in the queue', backlogPeak > 0, `audit queue backlog peaked at ${backlogPeak} jobs`);
    c.check('audit backlog drained while the load went on', drainedAt !== null, drainedAt ? `${sec(drainedAt - restartAt)} after the restart (no delayed audit job, the queue back to its pre-fault size)` : 'delayed audit jobs left when the load ended');
    c.check('audit backlog written after the restart', auditAt !== null, auditAt ? `every accepted turn's row in Postgres ${sec(auditAt - restartAt)} after the restart (checked once the load had ended)` : 'not complete 60 s after the load ended');
    c.check('no audit job failed for good', failedAfter === failedBefore, `${failedAfter - failedBefore} audit jobs in the failed set`);
    const processes = sameProcesses(pids, s.cluster.all, c.result.startedAt);
    c.check('no crash (PIDs unchanged)', processes.ok, processes.detail);
    c.recovery(drainedAt && auditAt ? drainedAt - restartAt : null, 'from the restart until the audit backlog had drained (its rows all in Postgres, checked after the load)');
    c.result.logFindings = logFindings(s.logFiles, c.result.startedAt, Date.now());
    return c.finish();
  },
};

// ---------------------------------------------------------------------------------------------
// 4. The language-model provider failing, then stalling
// ---------------------------------------------------------------------------------------------
const llmCase: FaultCase = {
  id: 'llm',
  title: 'LLM provider: HTTP 500 for 6 s, then stalls 6 s',
  async run(s) {
    const c = new CaseBuilder(this.id, this.title, s.rate);
    s.fake.mode = 'ok';
    const llm = { baseUrl: s.fake.baseUrl, model: 'fake-model', apiKey: `sk-faults-${randomBytes(8).toString('hex')}`, timeoutMs: 1_000 };
    const tenants = await s.seed([{ id: 'f-llm-a', config: { llm } }, { id: 'f-llm-b', config: { llm } }]);
    const pids = s.cluster.pids();
    const calls0 = { ...s.fake.calls };
    const load = startLoad(s, 'llm', tenants, 28_000, false);
    await load.at(7_000);
    s.fake.mode = 'fail';
    const failAt = c.fault('provider answers 500', load.t0);
    await load.at(13_000);
    s.fake.mode = 'stall';
    const stallAt = c.mark('provider stalls', load.t0);
    await load.at(19_000);
    s.fake.mode = 'ok';
    const healAt = c.mark('provider healthy', load.t0);
    const turns = await load.done;
    s.keepTurns(this.id, turns);
    c.setLoad(turns, 28);
    await sleep(1_000); // let the apps' buffered log lines reach the files

    const healthy = windowStats(startedBetween(turns, load.t0 + 2_000, failAt));
    const failing = windowStats(startedBetween(turns, failAt, stallAt));
    const stalling = windowStats(startedBetween(turns, stallAt, healAt));
    const fault = windowStats(startedBetween(turns, failAt, healAt));
    const backAt = recoveredAt(turns, healAt, (t) => t.source === 'llm', 0.9);
    if (backAt) c.mark('answers from the model again', load.t0, backAt);
    const breakerLines = s.logFiles.flatMap((f) => readLog(f, failAt, healAt)).filter((l) => l.msg === 'llm circuit breaker changed state');
    const opened = breakerLines.filter((l) => l.raw.state === 'open').length;
    c.result.extra = {
      healthy,
      failing,
      stalling,
      fault,
      p99DuringFaultMs: fault.latencyMs.p99,
      breakerTransitions: countBy(breakerLines, (l) => String(l.raw.state)),
      providerCalls: Object.fromEntries(Object.entries(s.fake.calls).map(([k, v]) => [k, v - calls0[k as keyof typeof calls0]])),
    };
    c.note(`p99 latency during the fault: ${fault.latencyMs.p99} ms (failing ${failing.latencyMs.p99} ms, stalling ${stalling.latencyMs.p99} ms; max ${fault.latencyMs.max} ms); before it ${healthy.latencyMs.p99} ms.`);
    c.timing('no errors (every turn 200)', c.result.errors === 0, `${c.result.errors} failed: ${JSON.stringify(c.result.load.errors)}`);
    c.timing('model used while healthy', healthy.ok > 0 && healthy.llm / healthy.ok >= 0.9, `${healthy.llm} llm of ${healthy.ok}`);
    c.check('breaker opened', opened > 0, `${opened} "open" transitions logged by the workers during the fault (${JSON.stringify(c.result.extra.breakerTransitions)})`);
    c.timing('KB answers during the fault', fault.ok > 0 && fault.kb / fault.ok >= 0.95, `${fault.kb} kb, ${fault.fallback} fallback, ${fault.llm} llm of ${fault.ok}`);
    c.timing('within the deadline', fault.latencyMs.max <= s.deadlineMs + 250, `p99 ${fault.latencyMs.p99} ms, max ${fault.latencyMs.max} ms (deadline ${s.deadlineMs} ms)`);
    c.timing('model answers again after the fault', backAt !== null && backAt - healAt <= s.halfOpenMs + 5_000, backAt ? `${sec(backAt - healAt)} after the provider healed (breaker half-opens after ${s.halfOpenMs} ms)` : 'never');
    const processes = sameProcesses(pids, s.cluster.all, c.result.startedAt);
    c.check('no crash (PIDs unchanged)', processes.ok, processes.detail);
    await verifyAll(s, c, tenants, turns, 30_000);
    c.recovery(backAt ? backAt - healAt : null, 'from the provider healing until ≥ 90% of answers came from the model again');
    c.result.logFindings = logFindings(s.logFiles, c.result.startedAt, Date.now());
    return c.finish();
  },
};

// ---------------------------------------------------------------------------------------------
// 5. SIGTERM to a gateway, then to a worker, under load (each restarted)
// ---------------------------------------------------------------------------------------------
const sigtermCase: FaultCase = {
  id: 'sigterm',
  title: 'SIGTERM gateway, then worker (restarted)',
  async run(s) {
    const c = new CaseBuilder(this.id, this.title, s.rate);
    const tenants = await s.seed([
      { id: 'f-term-a' },
      { id: 'f-term-b' },
      { id: 'f-term-slow', config: { llm: { baseUrl: s.fake.baseUrl, model: 'slow-300', apiKey: `sk-faults-${randomBytes(8).toString('hex')}`, timeoutMs: 1_300 } } },
    ]);
    const gateway = s.cluster.gateways[0]!;
    const worker = s.cluster.workers[0]!;
    const load = startLoad(s, 'term', tenants, 28_000, true);
    const drains: Record<string, { ms: number; code: number | null; signal: string | null; backMs: number }> = {};
    const terminate = async (app: FaultApp, at: number): Promise<void> => {
      await load.at(at);
      const termAt = c.fault(`${app.name} SIGTERM`, load.t0);
      const exit = await app.signal('SIGTERM');
      c.mark(`${app.name} exited`, load.t0, exit.at);
      await app.start();
      const backAt = c.mark(`${app.name} ready again`, load.t0);
      drains[app.name] = { ms: exit.at - termAt, code: exit.code, signal: exit.signal, backMs: backAt - termAt };
    };
    const script = (async () => {
      await terminate(gateway, 6_000);
      await terminate(worker, 16_000);
    })();
    const turns = await load.done;
    s.keepTurns(this.id, turns);
    await script;
    c.setLoad(turns, 28);

    const retried = turns.filter((t) => t.attempts > 1);
    c.result.extra = { drains, retriedTurns: retried.length, retryTrails: countBy(retried, (t) => t.trail.join('→')), sources: c.result.load.bySource };
    if (retried.length) c.note(`The client's retries (same clientMsgId, other gateway): ${JSON.stringify(c.result.extra.retryTrails)}.`);
    c.timing('zero failed turns after the retry', c.result.errors === 0, `${c.result.errors} failed after retries: ${JSON.stringify(c.result.load.errors)}; ${retried.length} turns needed a retry`);
    for (const app of [gateway, worker]) {
      const d = drains[app.name];
      c.timing(`${app.name} drained and exited 0 within the grace period`, !!d && d.code === 0 && d.ms < s.graceMs, d ? `exit code ${d.code}${d.signal ? ` (${d.signal})` : ''} after ${d.ms} ms (grace ${s.graceMs} ms)` : 'no exit seen');
    }
    c.timing('no hang', c.result.load.longestAttemptMs <= s.deadlineMs + HANG_SLACK_MS, `longest single request ${c.result.load.longestAttemptMs} ms`);
    const drainWindow = startedBetween(turns, load.t0 + 16_000 - s.deadlineMs, load.t0 + 16_000 + (drains[worker.name]?.ms ?? 0) + 500);
    const drainFallbacks = drainWindow.filter((t) => t.source === 'fallback').length;
    c.timing('worker drain finished its jobs (no deadline fallbacks)', drainFallbacks === 0, `${drainFallbacks} fallbacks among ${drainWindow.length} turns around the worker's drain`);
    await verifyAll(s, c, tenants, turns, 30_000);
    const backMs = Math.max(...Object.values(drains).map((d) => d.backMs));
    c.recovery(Number.isFinite(backMs) ? backMs : null, 'from each SIGTERM until the restarted instance was ready (the longer of the two)');
    c.result.logFindings = logFindings(s.logFiles, c.result.startedAt, Date.now());
    return c.finish();
  },
};

const countBy = <T>(items: T[], key: (item: T) => string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
};

// The worker-kill case runs last: it keeps the load going through BullMQ's stalled-job recovery
// (up to a minute), whose effects would otherwise land in the next case.
export const CASES: FaultCase[] = [redisCase, postgresCase, llmCase, sigtermCase, workerKillCase];

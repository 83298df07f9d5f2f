
/** A Markdown summary of one benchmark run, with the targets beside the figures. */
export const markdownReport = (r: any): string => {
  const check = (ok: boolean): string => (ok ? 'met' : '**missed**');
  const stages = (s: Record<string, { p50: number; p99: number }>): string =>
    Object.entries(s)
      .map(([stage, q]) => `${stage} ${q.p50} / ${q.p99}`)
      .join(', ');
  const cpu = (p: any): string =>
    `${p.cpuUsPerTurn} (${p.gatewayCpuUsPerTurn}+${p.workerCpuUsPerTurn}) | ${p.redisCpuUsPerTurn} | ${p.postgresCpuUsPerTurn ?? 'n/a'} | ${p.loadGenCpuUsPerTurn}`;
  return `# Fengda benchmark ${r.runAt}${r.quick ? ' (quick)' : ''}

Machine: ${r.machine.cpus} cores, Node ${r.machine.node}; gateway, worker, Redis, Postgres and the load generator on the same machine.
Host speed (reference loop, lower is faster; CPU µs per turn moves with it): ${r.machine.referenceLoopMs.beforeRest} ms before the rest phase, ${r.machine.referenceLoopMs.afterRest} ms after it, ${r.machine.referenceLoopMs.atEnd} ms at the end.
Load: ${r.plan.tenants} tenants x ${r.plan.usersPerTenant} users, full chat turns over REST (JWT, history, queue, KB answer, write-back, audit); closed loop with ${r.loadTool.closedLoop}, fixed rates with ${r.loadTool.openLoop}.

| phase | turns/s | p50 ms | p95 ms | p99 ms | max ms | errors | fallback rate | CPU µs/turn (gw+worker) | Redis µs/turn | Postgres µs/turn | load generator µs/turn |
|---|---|---|---|---|---|---|---|---|---|---|---|
| rest, 64 connections | ${r.rest.turnsPerSec} | ${r.rest.p50Ms} | ${r.rest.p95Ms} | ${r.rest.p99Ms} | ${r.rest.maxMs} | ${r.rest.errors} | ${r.rest.fallbackRate} | ${cpu(r.rest)} |
| fixed ${r.fixed.rate}/s | ${r.fixed.turnsPerSec} | ${r.fixed.p50Ms} | ${r.fixed.p95Ms} | ${r.fixed.p99Ms} | ${r.fixed.maxMs} | ${r.fixed.errors} | | ${cpu(r.fixed)} |
| burst ${r.burst.rate}/s | ${r.burst.turnsPerSec} | ${r.burst.p50Ms} | ${r.burst.p95Ms} | ${r.burst.p99Ms} | ${r.burst.maxMs} | ${r.burst.errors} | ${r.burst.fallbackRate} | ${cpu(r.burst)} |
| soak ${r.soak.rate}/s, ${r.soak.durationSec} s | ${r.soak.turnsPerSec} | ${r.soak.p50Ms} | ${r.soak.p95Ms} | ${r.soak.p99Ms} | ${r.soak.maxMs} | ${r.soak.errors} | | ${cpu(r.soak)} |

WebSocket: ${r.ws.connections} sockets held (${r.ws.failed} failed), ${r.ws.chatting} chatting: ${r.ws.turns} turns, p50 ${r.ws.p50Ms} ms, p99 ${r.ws.p99Ms} ms, ${r.ws.errors} errors${r.ws.errors ? ` (${Object.entries(r.ws.errorCodes ?? {}).map(([code, n]) => `${code} ${n}`).join(', ')})` : ''}; gateway RSS ${r.ws.gatewayRssBeforeMiB} → ${r.ws.gatewayRssMiB} MiB; at the gateway, p50 / p99 ms: ${stages(r.ws.stagesMs)}.
Burst: queue peaked at ${r.burst.maxQueueDepth} jobs, empty again ${r.burst.drainSec} s after the burst.
Soak: RSS growth after warm-up, last fifth of the samples against the second fifth — floor (what survives collection) / median / peak: gateway ${r.soak.gatewayRssGrowth.floor}% / ${r.soak.gatewayRssGrowth.median}% / ${r.soak.gatewayRssGrowth.peak}%, worker ${r.soak.workerRssGrowth.floor}% / ${r.soak.workerRssGrowth.median}% / ${r.soak.workerRssGrowth.peak}%; V8 heap in use, the same way: gateway ${r.soak.gatewayHeapGrowth.floor}% / ${r.soak.gatewayHeapGrowth.median}% / ${r.soak.gatewayHeapGrowth.peak}%, worker ${r.soak.workerHeapGrowth.floor}% / ${r.soak.workerHeapGrowth.median}% / ${r.soak.workerHeapGrowth.peak}%.
Memory after the rest phase: gateway ${r.rest.gatewayRssMiB} MiB, worker ${r.rest.workerRssMiB} MiB.
Where a turn's time goes at the gateway, p50 / p99 ms (fengda_turn_stage_duration_seconds): rest ${stages(r.rest.stagesMs)}; fixed ${stages(r.fixed.stagesMs)}.
Turns per answer job the gateway sent (fengda_answer_job_turns; turns share jobs under load): rest ${r.rest.turnsPerAnswerJob}, fixed ${r.fixed.turnsPerAnswerJob}.

| target | result | |
|---|---|---|
| ≥ 1,500 turns/s at 64 connections | ${r.rest.turnsPerSec} | ${check(r.rest.turnsPerSec >= 1500)} |
| p99 ≤ 50 ms at 64 connections | ${r.rest.p99Ms} ms | ${check(r.rest.p99Ms <= 50)} |
| 0 errors | ${r.rest.errors} | ${check(r.rest.errors === 0)} |
| ≤ 600 µs CPU per turn | ${r.rest.cpuUsPerTurn} µs | ${check(r.rest.cpuUsPerTurn <= 600)} |
| burst: 0 errors, p99 within the deadline (1500 ms), drained within 30 s | ${r.burst.errors} errors, p99 ${r.burst.p99Ms} ms, ${r.burst.drainSec} s | ${check(r.burst.errors === 0 && r.burst.p99Ms <= 1500 && r.burst.drainSec <= 30)} |
| soak: RSS within 10% after warm-up (floor: what survives collection) | ${r.soak.rssGrowthPct}% | ${check(r.soak.rssGrowthPct <= 10)} |
| 20,000 WebSockets on one gateway, heartbeats flowing, RSS ≤ 1 GiB | ${r.ws.connections} of ${r.ws.requested} sockets (gateway open-files limit ${r.ws.gatewayOpenFilesLimit}), ${r.ws.pingsPerSocket} pings each, ${r.ws.gatewayRssMiB} MiB | ${check(r.ws.connections >= 20000 && r.ws.pingsPerSocket >= 1 && r.ws.gatewayRssMiB <= 1024)} |
`;
};

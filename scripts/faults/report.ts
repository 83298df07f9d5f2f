import type { CaseResult } from './suite.js';

export interface FaultReport {
  runAt: string;
  machine: { cpus: number; node: string };
  settings: Record<string, unknown>;
  totalSec: number;
  cases: CaseResult[];
  /** Lines apps wrote outside pino (uncaught exceptions, Node warnings), per log file. */
  stray: Record<string, { line: string; count: number }[]>;
  logDir: string;
}

const verdictCell = (c: CaseResult): string =>
  `${c.verdict === 'PASS' ? 'PASS' : `**FAIL**: ${c.checks.filter((k) => !k.ok).map((k) => k.name).join('; ')}`}${c.attempts > 1 ? ' (2nd attempt, see the report)' : ''}`;

/** The one table: fault | load held | errors | lost | doubled | recovery | verdict. */
export const table = (cases: CaseResult[]): string => {
  const rows = cases.map(
    (c) => `| ${c.fault} | ${c.loadHeld} of ${c.offeredRate} | ${c.errors} | ${c.lost} | ${c.doubled} | ${c.recoverySec ?? '—'} | ${verdictCell(c)} |`,
  );
  return ['| fault | load held turns/s | errors | lost | doubled | recovery s | verdict |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
};

export const markdownReport = (r: FaultReport): string => {
  const sections = r.cases.map((c) => {
    const checks = c.checks.map((k) => `- ${k.ok ? '✅' : '❌'} **${k.name}**${k.timing ? ' (bound on time)' : ''}: ${k.detail}`).join('\n');
    const timeline = Object.entries(c.timeline)
      .map(([k, v]) => `${v} s ${k}`)
      .join(' · ');
    const findings = c.logFindings
      .slice(0, 8)
      .map((f) => `  - ${f.file} ${f.level} ×${f.count}: "${f.msg}" ${f.example !== '{}' ? f.example : ''}`)
      .join('\n');
    return `### ${c.fault} (\`${c.id}\`): ${c.verdict}

Load: ${c.offeredRate} turns/s offered for ${c.durationSec} s; ${c.load.ok} of ${c.load.sent} answered 200 (sources ${JSON.stringify(c.load.bySource)}); latency p50 ${c.load.latencyMs.p50} ms, p99 ${c.load.latencyMs.p99} ms, max ${c.load.latencyMs.max} ms${c.load.retried ? `; ${c.load.retried} turns retried` : ''}.
Timeline: ${timeline || '—'}
Recovery: ${c.recoverySec ?? '—'} s (${c.recoveryMeaning})
Before the fault (control): ${c.control ? `${c.control.turns} turns, ${c.control.failed} failed, p99 ${c.control.p99Ms} ms, max ${c.control.maxMs} ms` : '—'}. Machine: ${c.machine ? `${c.machine.busyCores} of ${c.machine.cores} cores busy, the suite's processes ${c.machine.suiteCores}` : '—'}.

${checks}
${c.notes.length ? `\n${c.notes.map((n) => `> ${n}`).join('\n>\n')}\n` : ''}${findings ? `\nWarnings/errors in the apps' logs during the case:\n${findings}\n` : ''}`;
  });
  const stray = Object.entries(r.stray).filter(([, lines]) => lines.length > 0);
  return `# Fengda fault suite ${r.runAt}

Machine: ${r.machine.cpus} cores, Node ${r.machine.node}. Two gateways and two workers (built, production mode) on a private PostgreSQL 15 and Redis 7 (AOF, fsync always) started for the run; load: open-loop chat turns with clientMsgIds over several tenants and users. Total ${r.totalSec} s.
Settings: ${JSON.stringify(r.settings)}

${table(r.cases)}

"errors": turns whose final answer was not HTTP 200 (after the client's retry, in the SIGTERM case). "lost": accepted (200) turns missing from the conversation history or the audit trail. "doubled": accepted turns stored or audited more than once. App logs: \`${r.logDir}\`.

${sections.join('\n')}
${stray.length ? `## Lines outside the apps' JSON logs (whole run; first line of each dump, numbers blanked)\n\n${stray.map(([file, lines]) => `- ${file}:\n${lines.map((l) => `  - ×${l.count} \`${l.line}\``).join('\n')}`).join('\n')}\n` : ''}`;
};

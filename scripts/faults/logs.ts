import { existsSync, readFileSync } from 'node:fs';

export interface LogLine {
  app: string;
  time: number;
  level: number;
  levelName: string;
  msg: string;
  raw: Record<string, unknown>;
}

/** The JSON (pino) lines of an app's log between two instants (epoch ms). */
export const readLog = (file: string, from: number, to: number): LogLine[] => {
  if (!existsSync(file)) return [];
  const out: LogLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // not pino: see nonJsonLines
    }
    const time = typeof raw.time === 'string' ? Date.parse(raw.time) : Number(raw.time);
    if (!(time >= from && time <= to)) continue;
    out.push({ app: String(raw.app ?? '?'), time, level: Number(raw.level ?? 30), levelName: String(raw.levelName ?? raw.level), msg: String(raw.msg ?? ''), raw });
  }
  return out;
};

export interface LogFinding {
  file: string;
  level: string;
  msg: string;
  count: number;
  example: string;
}

/** Warnings and errors of the apps' logs in a time window, grouped by message. */
export const logFindings = (files: string[], from: number, to: number): LogFinding[] => {
  const groups = new Map<string, LogFinding>();
  for (const file of files) {
    for (const line of readLog(file, from, to)) {
      if (line.level < 40) continue;
      const key = `${file}\u0000${line.levelName}\u0000${line.msg}`;
      const found = groups.get(key);
      if (found) found.count++;
      else {
        const { err, reason, kind, state, signal, status } = line.raw as Record<string, unknown>;
        const example = JSON.stringify(Object.fromEntries(Object.entries({ err, reason, kind, state, signal, status }).filter(([, v]) => v !== undefined))).slice(0, 240);
        groups.set(key, { file: file.split('/').pop()!, level: line.levelName, msg: line.msg, count: 1, example });
      }
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
};

/** Lines that are not pino's: something wrote straight to stdout/stderr (an uncaught exception, a Node warning). */
export const nonJsonLines = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => {
          if (!line.trim()) return false;
          try {
            JSON.parse(line);
            return false;
          } catch {
            return true;
          }
        })
        .map((line) => line.slice(0, 300))
    : [];

/** How many lines of these logs are not pino's (see nonJsonLines). */
export const strayLineCount = (files: readonly string[]): number => files.reduce((n, file) => n + nonJsonLines(file).length, 0);

/** The gateways' request log lines for /v1/chat slower than `ms` (server-side time). */
export const slowRequests = (files: string[], from: number, to: number, ms: number): { count: number; examples: string[] } => {
  const slow = files
    .flatMap((f) => readLog(f, from, to))
    .filter((l) => l.msg === 'request' && l.raw.route === '/v1/chat' && Number(l.raw.ms) > ms)
    .sort((a, b) => Number(b.raw.ms) - Number(a.raw.ms));
  return {
    count: slow.length,
    examples: slow.slice(0, 3).map((l) => `${new Date(l.time).toISOString().slice(11, 23)} ${l.app} status ${String(l.raw.status)} after ${Math.round(Number(l.raw.ms))} ms (requestId ${String(l.raw.requestId)})`),
  };
};

/** Lines outside pino grouped by their text, numbers blanked (pids) and the services' ports named, most frequent first. */
export const strayLineSummary = (file: string, ports: Record<string, number> = {}): { line: string; count: number }[] => {
  const counts = new Map<string, number>();
  // Only the first line of each dump (stack frames and the error's fields are indented).
  for (const line of nonJsonLines(file).filter((l) => !/^\s|^[{}]/.test(l))) {
    let named = line;
    for (const [name, port] of Object.entries(ports)) named = named.split(`127.0.0.1:${port}`).join(`<${name}>`);
    const key = named.replace(/\d+/g, 'N').slice(0, 200);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].map(([line, count]) => ({ line, count })).sort((a, b) => b.count - a.count);
};

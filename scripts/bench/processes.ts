import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';

/** A production app process started by the benchmark, with its own CPU and memory accounting. */
export class AppProcess {
  private readonly child: ChildProcess;
  private exited = false;

  constructor(
    readonly name: string,
    entry: string,
    env: NodeJS.ProcessEnv,
    logFile: string,
  ) {
    const log = createWriteStream(logFile, { flags: 'a' });
    // BENCH_CPU_PROF=1 writes V8 CPU profiles (on exit) for flame graphs and hot-spot tables.
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=bench/results/profiles'] : [];
    // BENCH_NODE_ARGS adds V8/Node flags NODE_OPTIONS refuses (e.g. --trace-gc) to both apps.
    const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    // 20,000 WebSockets need more file descriptors than the usual default; raise the limit when
    // allowed (exec keeps the pid, so /proc accounting stays on the node process).
    this.child = spawn('sh', ['-c', 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', process.execPath, ...profile, ...extra, entry], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.pipe(log);
    this.child.stderr!.pipe(log);
    this.child.on('exit', () => (this.exited = true));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** User + system CPU time consumed so far, microseconds (from /proc, the process's own accounting). */
  cpuMicros(): number {
    return processCpuMicros(this.pid);
  }

  /** Resident set size, MiB. */
  rssMiB(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round((kb / 1024) * 10) / 10;
  }

  /** The process's soft limit on open files (each socket is one), from /proc. */
  openFilesLimit(): number {
    const limits = readFileSync(`/proc/${this.pid}/limits`, 'utf8');
    return Number(/Max open files\s+(\d+)/.exec(limits)?.[1] ?? Infinity);
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await done;
    clearTimeout(timer);
  }
}

// Linux USER_HZ is 100 on every mainstream distribution and architecture.
const CLOCK_TICKS = 100;

/** User + system CPU time a process has consumed, microseconds: utime and stime, fields 14 and 15 of /proc/<pid>/stat. */
const processCpuMicros = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
};

/** Polls a URL until it answers 200. */
export const waitForOk = async (url: string, timeoutMs = 60_000): Promise<void> => {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs} ms`);
};

/**
 * CPU time (µs) used so far by the Postgres backends serving one database, from /proc: a server process's command
 * line names the database of its connection (`postgres: user db host(port) state`). Null when none is visible (a
 * server on another host): it shares the cores only when it is local. Backends that exit between two readings take
 * their time with them; the apps' pools keep theirs open.
 */
export const postgresBackendCpu = (database: string): Map<number, number> | null => {
  const backends = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.startsWith('postgres: ') || !cmdline.split(' ').includes(database)) continue;
      backends.set(Number(entry), processCpuMicros(Number(entry)));
    } catch {
      /* gone meanwhile, or not ours to read */
    }
  }
  return backends.size > 0 ? backends : null;
};

/** CPU the backends used between two readings; a backend first seen in the second counts from zero. */
export const postgresCpuBetween = (before: Map<number, number> | null, after: Map<number, number> | null): number | null => {
  if (!after) return null;
  let total = 0;
  for (const [pid, micros] of after) total += micros - (before?.get(pid) ?? 0);
  return total;
};

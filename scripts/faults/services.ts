import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { appendFileSync, chownSync, chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

// The fault suite's own PostgreSQL and Redis, started from the system binaries on spare ports
// in a temporary directory, so that killing them never touches the shared services other test
// runs use. Both are killed with SIGKILL (a crash, not a shutdown) and restarted on the same
// port and data directory.

const PG_BIN = process.env.FAULTS_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const REDIS_SERVER = process.env.FAULTS_REDIS_SERVER ?? 'redis-server';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A free port for a service the suite kills and restarts on the same port, chosen at random below
 * the kernel's ephemeral range (`ip_local_port_range`, 32768+ by default). The kernel hands out
 * ephemeral ports to every `listen(0)` (npm test's apps) and every outgoing connection's local
 * end; a port from that range, released while Redis or Postgres is down between a kill and its
 * restart, could be taken meanwhile and the restart fail. Below the range, only a process asking
 * for that very port could collide (another run's random pick: checked free here).
 */
export const sparePort = async (): Promise<number> => {
  const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const low = SPARE_PORTS_FROM;
  const high = Math.min(Number.isInteger(ephemeralLow) ? ephemeralLow : 32_768, 65_536) - 1;
  if (high - low < 1_000) throw new Error(`no room for spare ports between ${low} and the ephemeral range (${ephemeralLow}+)`);
  for (let i = 0; i < 100; i++) {
    const port = randomInt(low, high + 1);
    if (!handedOut.has(port) && (await canListen(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port found between ${low} and ${high}`);
};

/** Above the well-known and registered ports most local services use (3000, 5432, 6379, 8080 …). */
const SPARE_PORTS_FROM = 20_000;
const handedOut = new Set<number>();

const canListen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });

const run = (command: string, args: string[], timeoutMs = 120_000): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });

/** Direct children of a process, from /proc (PostgreSQL's backends are the postmaster's children). */
export const childrenOf = (pid: number): number[] => {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
};

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; it is dead for our purposes.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** Busy CPU time of the whole machine so far (all cores), clock ticks (USER_HZ, 100 a second). */
export const machineBusyTicks = (): number => {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return user! + nice! + system! + irq! + softirq! + steal!;
};

/** CPU time a process has used so far (user + system), clock ticks; 0 once it is gone. */
export const processTicks = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
};

export const TICKS_PER_SEC = 100;

/** A temporary root for both services; owned by `postgres` when running as root (initdb refuses root). */
export class ScratchDir {
  readonly root: string;
  readonly runAs: { uid: number; gid: number } | null;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'fengda-faults-'));
    chmodSync(this.root, 0o755);
    this.runAs = process.getuid?.() === 0 ? postgresUser() : null;
    if (this.runAs) chownSync(this.root, this.runAs.uid, this.runAs.gid);
  }

  /** Records a process the suite started, for the reaper (see reaper.ts) should the suite die without cleaning up. */
  track(pid: number | undefined, label: string): void {
    const started = pid ? processStartTime(pid) : null;
    if (pid && started && existsSync(this.root)) appendFileSync(join(this.root, PROCESSES_FILE), `${pid} ${started} ${label}\n`);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Processes the suite started, one `<pid> <start time> <label>` a line (in the scratch directory). */
export const PROCESSES_FILE = 'processes';

/** A process's start time (clock ticks since boot, /proc/<pid>/stat field 22): with the pid, it names one process, not a reused pid. */
export const processStartTime = (pid: number): string | null => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
};

const postgresUser = (): { uid: number; gid: number } => {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root and there is no `postgres` user to run initdb/pg_ctl as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
};

export class PrivatePostgres {
  readonly dataDir: string;
  readonly logFile: string;

  constructor(
    private readonly scratch: ScratchDir,
    readonly port: number,
  ) {
    this.dataDir = join(scratch.root, 'pg');
    this.logFile = join(scratch.root, 'postgres.log');
  }

  /** Owner (superuser) URL of a database. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async init(): Promise<void> {
    await this.asPostgres(join(PG_BIN, 'initdb'), ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.scratch.root} -c listen_addresses=127.0.0.1 -c max_connections=200`;
    await this.asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', this.dataDir, '-l', this.logFile, '-o', options, '-w', '-t', '60', 'start']);
    await this.waitReady();
  }

  get pid(): number | null {
    const file = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(file)) return null;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
  }

  /** A crash: SIGKILL to the postmaster and every backend, nothing flushed, nothing said to clients. */
  async kill(): Promise<void> {
    const pid = this.pid;
    if (!pid) return;
    const all = [pid, ...childrenOf(pid)];
    for (const p of all) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    const until = Date.now() + 10_000;
    while (all.some(isAlive) && Date.now() < until) await sleep(20);
  }

  async stop(): Promise<void> {
    if (!this.pid) return;
    await this.asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => this.kill());
    if (this.pid) await this.kill();
  }

  async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = [], database = 'fengda'): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async waitReady(): Promise<void> {
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        await this.query('SELECT 1', [], 'postgres');
        return;
      } catch (error) {
        if (Date.now() > until) throw error;
        await sleep(100);
      }
    }
  }

  private asPostgres(command: string, args: string[]): Promise<string> {
    return this.scratch.runAs ? run('runuser', ['-u', 'postgres', '--', command, ...args]) : run(command, args);
  }
}

export class PrivateRedis {
  readonly dir: string;
  readonly logFile: string;
  private child?: ChildProcess;

  constructor(
    private readonly scratch: ScratchDir,
    readonly port: number,
  ) {
    this.dir = join(scratch.root, 'redis');
    this.logFile = join(scratch.root, 'redis.log');
    mkdirSync(this.dir, { recursive: true });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  get pid(): number | null {
    return this.child?.pid && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : null;
  }

  /** Starts (or restarts, loading the append-only file) on the same port and directory. */
  async start(): Promise<void> {
    this.child = spawn(
      REDIS_SERVER,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dir, '--save', '', '--logfile', this.logFile, '--daemonize', 'no'],
      { stdio: 'ignore' },
    );
    this.scratch.track(this.child.pid, 'redis');
    await this.waitReady();
  }

  /** A crash: SIGKILL, no shutdown, no final save (the AOF, fsynced on every write, is what survives). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
  }

  private async waitReady(): Promise<void> {
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      if ((await ping(this.port)) === '+PONG') return;
      await sleep(50);
    }
    throw new Error(`redis on port ${this.port} did not start`);
  }
}

/** One raw PING; resolves to the first reply line ('+PONG', '-LOADING …') or '' on failure. */
const ping = (port: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = (value: string): void => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(1000, () => done(''));
    socket.on('error', () => done(''));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\r\n')) done(data.split('\r\n')[0]!);
    });
  });

/** Keeps the services' own logs with the apps' logs (the scratch directory is deleted). */
export const keepServiceLogs = (files: string[], logDir: string, stamp: string): void => {
  for (const file of files) {
    if (existsSync(file)) copyFileSync(file, join(logDir, `faults-${stamp}-${file.split('/').pop()}`));
  }
};

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { waitForOk } from '../bench/processes.js';
import { isAlive } from './services.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/**
 * One built app started as a production process (like the bench's AppProcess), which the suite
 * can signal, watch exit and start again on the same port. Each start appends to the same log.
 */
export class FaultApp {
  private child?: ChildProcess;
  private exitPromise?: Promise<Exit>;
  /** PIDs this app has had, in order (a crash or restart adds one). */
  readonly pids: number[] = [];
  /** Exits that nobody asked for (the suite records every signal it sends). */
  readonly unexpectedExits: (Exit & { pid: number })[] = [];
  private expectingExit = false;

  constructor(
    readonly name: string,
    readonly kind: 'gateway' | 'worker',
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly port: number,
    private readonly logFile: string,
    /** Told every pid this app gets (the suite records them for its reaper). */
    private readonly onSpawn: (pid: number | undefined) => void = () => undefined,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  get alive(): boolean {
    return !!this.child?.pid && this.child.exitCode === null && this.child.signalCode === null && isAlive(this.child.pid);
  }

  async start(): Promise<void> {
    const log = createWriteStream(this.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [this.entry], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    this.expectingExit = false;
    this.pids.push(child.pid!);
    this.onSpawn(child.pid);
    this.exitPromise = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        const exit = { code, signal, at: Date.now() };
        if (!this.expectingExit) this.unexpectedExits.push({ ...exit, pid: child.pid! });
        resolve(exit);
      }),
    );
    await this.waitReady();
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    await Promise.race([
      waitForOk(`${this.url}/health/ready`, timeoutMs),
      this.exitPromise!.then((e) => {
        throw new Error(`${this.name} exited during start (code ${e.code}, signal ${e.signal}); see ${this.logFile}`);
      }),
    ]);
  }

  /** Sends a signal the suite means to send; resolves with the exit once the process is gone. */
  signal(signal: NodeJS.Signals): Promise<Exit> {
    this.expectingExit = true;
    const exited = this.exitPromise!;
    this.child?.kill(signal);
    return exited;
  }

  /** Stops for good: SIGTERM, SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.alive) return;
    const exited = this.signal('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Synchronous last resort (process 'exit' handler). */
  killNow(): void {
    if (this.alive) this.child?.kill('SIGKILL');
  }
}

/** Two gateways and two workers: a client can retry on the other gateway, a job on the other worker. */
export class Cluster {
  constructor(
    readonly gateways: FaultApp[],
    readonly workers: FaultApp[],
  ) {}

  get all(): FaultApp[] {
    return [...this.gateways, ...this.workers];
  }

  async start(): Promise<void> {
    await Promise.all(this.all.map((a) => a.start()));
  }

  /** Restarts any app that is not running, and waits until every app is ready. */
  async ensureUp(): Promise<string[]> {
    const restarted: string[] = [];
    for (const app of this.all) {
      if (!app.alive) {
        restarted.push(app.name);
        await app.start();
      }
    }
    await Promise.all(this.all.map((a) => a.waitReady(30_000)));
    return restarted;
  }

  pids(): Record<string, number> {
    return Object.fromEntries(this.all.map((a) => [a.name, a.pid]));
  }

  async stop(): Promise<void> {
    await Promise.all(this.all.map((a) => a.stop()));
  }
}

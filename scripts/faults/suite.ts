import type { Redis } from 'ioredis';
import { summarize } from '../bench/stats.js';
import type { Cluster } from './apps.js';
import type { FakeLlm } from './fake-llm.js';
import { describeTurns, type TurnRecord } from './load.js';
import type { LogFinding } from './logs.js';
import type { PrivatePostgres, PrivateRedis } from './services.js';
import type { SeededTenant } from './tenants.js';
import type { Verification } from './verify.js';

/** What every case gets: the private services, the apps, the fake provider, the run's settings. */
export interface Suite {
  cluster: Cluster;
  pg: PrivatePostgres;
  redisServer: PrivateRedis;
  /** The suite's own Redis connection (queue inspection), tolerant of the outage. */
  redis: Redis;
  fake: FakeLlm;
  prefix: string;
  rate: number;
  graceMs: number;
  halfOpenMs: number;
  deadlineMs: number;
  logFiles: string[];
  seed(specs: { id: string; config?: Record<string, unknown> }[], usersPerTenant?: number): Promise<SeededTenant[]>;
  /** Keeps every turn of a case's load (JSON lines beside the app logs) as evidence. */
  keepTurns(caseId: string, turns: TurnRecord[]): void;
  log(message: string): void;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /**
   * A bound on time (latency, on-time answers, recovery within n s): it measures the fault only
   * if the machine let the same system meet it without the fault (see `control`). Checks without
   * it (nothing lost or doubled, no crash …) hold whatever the machine's load.
   */
  timing?: boolean;
}

export interface CaseResult {
  id: string;
  fault: string;
  offeredRate: number;
  durationSec: number;
  load: ReturnType<typeof describeTurns>;
  /** Accepted (HTTP 200) turns per second over the run. */
  loadHeld: number;
  /** Turns whose final answer was not HTTP 200 (after the client's retries, where it retries). */
  errors: number;
  lost: number;
  doubled: number;
  recoverySec: number | null;
  recoveryMeaning: string;
  verdict: 'PASS' | 'FAIL';
  /** 2 when the first attempt's failures were bounds on time the machine kept the system from meeting before the fault too. */
  attempts: number;
  checks: Check[];
  notes: string[];
  /** Seconds from the start of the load. */
  timeline: Record<string, number>;
  /**
   * The turns that ended before the fault (the first second of load left out): what the same
   * system did without it, on this machine, at this moment. Null when the case marks no fault.
   */
  control: ControlWindow | null;
  /** CPU use while the case ran: the whole machine's and the suite's own processes', in cores. */
  machine?: { cores: number; busyCores: number; suiteCores: number };
  verification?: Verification;
  logFindings: LogFinding[];
  extra: Record<string, unknown>;
  startedAt: number;
  endedAt: number;
}

export interface ControlWindow {
  turns: number;
  failed: number;
  p99Ms: number;
  maxMs: number;
}

export class CaseBuilder {
  readonly result: CaseResult;
  private loadT0 = 0;
  private faultAt = 0;

  constructor(id: string, fault: string, offeredRate: number) {
    this.result = {
      id,
      fault,
      offeredRate,
      durationSec: 0,
      load: describeTurns([], 1),
      loadHeld: 0,
      errors: 0,
      lost: 0,
      doubled: 0,
      recoverySec: null,
      recoveryMeaning: '',
      verdict: 'FAIL',
      attempts: 1,
      checks: [],
      notes: [],
      timeline: {},
      control: null,
      logFindings: [],
      extra: {},
      startedAt: Date.now(),
      endedAt: 0,
    };
  }

  check(name: string, ok: boolean, detail: string): boolean {
    this.result.checks.push({ name, ok, detail });
    return ok;
  }

  /** A check bounded in time (see Check.timing). */
  timing(name: string, ok: boolean, detail: string): boolean {
    this.result.checks.push({ name, ok, detail, timing: true });
    return ok;
  }

  note(text: string): void {
    this.result.notes.push(text);
  }

  mark(name: string, t0: number, at: number = Date.now()): number {
    this.result.timeline[name] = Math.round((at - t0) / 100) / 10;
    return at;
  }

  /** Marks the injection of the case's fault (once): the turns that ended before it are the control window. */
  fault(name: string, t0: number): number {
    const at = this.mark(name, t0);
    if (!this.faultAt) {
      this.loadT0 = t0;
      this.faultAt = at;
    }
    return at;
  }

  setLoad(turns: TurnRecord[], durationSec: number): void {
    this.result.durationSec = Math.round(durationSec * 10) / 10;
    this.result.load = describeTurns(turns, durationSec);
    this.result.loadHeld = this.result.load.okPerSec;
    this.result.errors = this.result.load.failed;
    if (this.faultAt) {
      const before = turns.filter((t) => t.start >= this.loadT0 + 1_000 && t.end < this.faultAt);
      const latency = summarize(before.map((t) => t.end - t.start));
      this.result.control = { turns: before.length, failed: before.filter((t) => t.status !== 200).length, p99Ms: latency.p99, maxMs: latency.max };
    }
  }

  setVerification(v: Verification): void {
    this.result.verification = v;
    this.result.lost = v.lost;
    this.result.doubled = v.doubled;
  }

  recovery(ms: number | null, meaning: string): void {
    this.result.recoverySec = ms === null ? null : Math.round(ms / 100) / 10;
    this.result.recoveryMeaning = meaning;
  }

  finish(): CaseResult {
    this.result.verdict = this.result.checks.length > 0 && this.result.checks.every((c) => c.ok) ? 'PASS' : 'FAIL';
    this.result.endedAt = Date.now();
    return this.result;
  }
}

export const sec = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

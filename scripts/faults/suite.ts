import type { Redis } from 'ioredis';
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
  checks: Check[];
  notes: string[];
  /** Seconds from the start of the load. */
  timeline: Record<string, number>;
  verification?: Verification;
  logFindings: LogFinding[];
  extra: Record<string, unknown>;
  startedAt: number;
  endedAt: number;
}

export class CaseBuilder {
  readonly result: CaseResult;

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
      checks: [],
      notes: [],
      timeline: {},
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

  note(text: string): void {
    this.result.notes.push(text);
  }

  mark(name: string, t0: number, at: number = Date.now()): number {
    this.result.timeline[name] = Math.round((at - t0) / 100) / 10;
    return at;
  }

  setLoad(turns: TurnRecord[], durationSec: number): void {
    this.result.durationSec = Math.round(durationSec * 10) / 10;
    this.result.load = describeTurns(turns, durationSec);
    this.result.loadHeld = this.result.load.okPerSec;
    this.result.errors = this.result.load.failed;
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

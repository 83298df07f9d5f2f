import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type LabelValues } from 'prom-client';

/** Latency buckets (seconds) around the design's figures: 87 ms mean, 300 ms p95 budget, 1.5 s deadline. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 1.5, 2, 5];
/** Finer at the low end: a turn's stages take from under a millisecond (idle) to tens of milliseconds (saturated). */
const STAGE_BUCKETS = [0.001, 0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * One Prometheus registry per process with the series both apps share. Labels are bounded:
 * routes are templates, sources and states are enums, and the tenant appears only on counters
 * whose cardinality is the number of tenants (never per user or per request).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'fengda_http_request_duration_seconds',
    help: 'HTTP request latency by route template, method and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly turnDuration = new Histogram({
    name: 'fengda_turn_duration_seconds',
    help: 'Chat turn latency at the gateway, by answer source',
    labelNames: ['source'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  /**
   * Where a turn's time goes at the gateway: `admission` (tenant and user limits, opening the turn: one Redis round
   * trip), `enqueue` (waiting for a share of one of the tenant's answer jobs, then adding the job), `answer` (the
   * queue, the worker and its reply) and `write_back` (storing the turn: one Redis round trip). Under load they are
   * mostly queueing — in Redis, behind the tenant's jobs in flight, in the queue, in the gateway's own event loop — so
   * this says which one to look at when turns get slow.
   */
  readonly turnStageDuration = new Histogram({
    name: 'fengda_turn_stage_duration_seconds',
    help: 'Chat turn latency at the gateway by stage: admission, enqueue (batching and adding the job), answer (queue, worker, reply), write_back',
    labelNames: ['stage'] as const,
    buckets: STAGE_BUCKETS,
    registers: [this.registry],
  });

  /**
   * Turns per answer job this gateway sent: 1 at low load; under load turns that would have waited in the queue anyway
   * share jobs (AnswerDispatcher), and the queue's per-job cost is paid once per job. No tenant label: a job may carry
   * several tenants' turns.
   */
  readonly answerJobTurns = new Histogram({
    name: 'fengda_answer_job_turns',
    help: 'Turns per answer job sent by this gateway (turns share jobs under load)',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [this.registry],
  });

  readonly turns = new Counter({
    name: 'fengda_turns_total',
    help: 'Chat turns answered, by tenant and source (fallback and handoff included)',
    labelNames: ['tenant', 'source'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'fengda_job_duration_seconds',
    help: 'Worker job processing time by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly droppedJobs = new Counter({
    name: 'fengda_jobs_dropped_total',
    help: 'Answer jobs dropped by the worker because their deadline had passed',
    registers: [this.registry],
  });

  readonly shed = new Counter({
    name: 'fengda_turns_shed_total',
    help: 'Turns refused or answered with the fallback at once because the answer queue lagged',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });

  readonly wsConnections = new Gauge({
    name: 'fengda_websocket_connections',
    help: 'Open WebSocket connections on this gateway',
    registers: [this.registry],
  });

  constructor() {
    // Process memory, CPU, GC, handles and event-loop lag (nodejs_eventloop_lag_* series).
    collectDefaultMetrics({ register: this.registry, prefix: 'fengda_', eventLoopMonitoringPrecision: 20 });
  }

  /** A gauge whose value is read at scrape time (queue depth, breaker state …). */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (gauge: Gauge<L>) => Promise<void> | void): Gauge<L> {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        await collect(this);
      },
    });
  }

  private readonly children = new WeakMap<object, Map<string, Histogram.Internal<string> | Counter.Internal>>();

  /**
   * The child of `metric` for these labels, looked up once and kept: prom-client hashes the label object on every
   * `observe(labels, …)` or `inc(labels)`, a visible cost per request and per turn in the benchmark's profiles. The
   * key is the label values in the caller's order (each call site passes them the same way); labels are bounded (see
   * above), and so is this cache.
   */
  child<T extends string>(metric: Histogram<T>, labels: LabelValues<T>): Histogram.Internal<T>;
  child<T extends string>(metric: Counter<T>, labels: LabelValues<T>): Counter.Internal;
  child<T extends string>(metric: Histogram<T> | Counter<T>, labels: LabelValues<T>): Histogram.Internal<T> | Counter.Internal {
    let cache = this.children.get(metric);
    if (!cache) this.children.set(metric, (cache = new Map()));
    const key = Object.values(labels).join('\u0000');
    let child = cache.get(key);
    if (!child) cache.set(key, (child = metric.labels(labels)));
    return child as Histogram.Internal<T> | Counter.Internal;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

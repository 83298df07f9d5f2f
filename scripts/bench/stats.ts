/** Latency samples (ms) → percentiles, computed exactly from the sorted samples. */
export const summarize = (samples: number[]): { p50: number; p95: number; p99: number; max: number; mean: number } => {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(sorted[sorted.length - 1]!), mean: round(samples.reduce((a, b) => a + b, 0) / samples.length) };
};

export const round = (n: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/**
 * Growth (%) of a process's RSS over a soak, from samples taken at a steady interval. RSS moves in a sawtooth with the
 * garbage collector (the gateway's by 100+ MiB within seconds at 300 turns/s, and V8 lets the teeth grow taller when
 * it can), so single samples say little. Each figure compares the last fifth of the samples with the second fifth (the
 * first is warm-up: JIT, pools, caches): `floor` their minima — the memory that survives collection, which is what a
 * leak raises — `median` and `peak` their medians and maxima.
 */
export const rssGrowth = (samples: readonly number[]): { floor: number; median: number; peak: number } => {
  if (samples.length < 2) return { floor: 0, median: 0, peak: 0 };
  const fifth = Math.max(1, Math.floor(samples.length / 5));
  const early = samples.slice(fifth, 2 * fifth);
  const late = samples.slice(samples.length - fifth);
  const median = (xs: readonly number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const pct = (from: number, to: number): number => round(((to - from) / from) * 100);
  return { floor: pct(Math.min(...early), Math.min(...late)), median: pct(median(early), median(late)), peak: pct(Math.max(...early), Math.max(...late)) };
};

/**
 * Milliseconds this process takes for a fixed integer loop (the best of three): the speed of the host at that moment.
 * On a shared VM it moves by half between runs minutes apart (330–490 ms on the development box), and CPU µs per turn
 * moves with it, so a report carries it beside its figures and A/B comparisons can be read against it.
 */
export const referenceLoopMs = (): number => {
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = process.hrtime.bigint();
    let x = 0;
    for (let i = 0; i < 100_000_000; i++) x += i % 7;
    if (x < 0) throw new Error('unreachable'); // keeps the loop from being optimised away
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return Math.round(best);
};

/** Cumulative bucket counts of one Prometheus histogram per value of `label`: label value → [upper bound, count][]. */
export const parseHistogram = (text: string, metric: string, label: string): Map<string, [number, number][]> => {
  const out = new Map<string, [number, number][]>();
  const line = new RegExp(`^${metric}_bucket\\{([^}]*)\\} (\\S+)$`, 'gm');
  const labelValue = new RegExp(`${label}="([^"]*)"`);
  for (const [, labels, value] of text.matchAll(line)) {
    const le = /le="([^"]+)"/.exec(labels!)?.[1];
    const key = labelValue.exec(labels!)?.[1];
    if (le === undefined || key === undefined) continue;
    const buckets = out.get(key) ?? [];
    buckets.push([le === '+Inf' ? Infinity : Number(le), Number(value)]);
    out.set(key, buckets);
  }
  for (const buckets of out.values()) buckets.sort((a, b) => a[0] - b[0]);
  return out;
};

/** The value of an unlabelled sample (`name value`) in a Prometheus scrape; 0 when it is absent. */
export const sampleValue = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);

/**
 * Quantile `q` (0..1) of the observations made between two scrapes of one histogram series, interpolated linearly
 * inside the bucket it falls in (as PromQL's histogram_quantile); the last finite bound when it falls in +Inf.
 */
export const histogramQuantile = (before: readonly [number, number][] | undefined, after: readonly [number, number][], q: number): number => {
  const counts = after.map(([le, n], i) => [le, n - (before?.[i]?.[1] ?? 0)] as const);
  const total = counts[counts.length - 1]?.[1] ?? 0;
  if (total <= 0) return 0;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, n] of counts) {
    if (n >= rank) {
      if (le === Infinity) return lower;
      return lower + (le - lower) * ((rank - below) / Math.max(1, n - below));
    }
    lower = le;
    below = n;
  }
  return lower;
};

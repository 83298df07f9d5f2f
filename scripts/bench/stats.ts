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

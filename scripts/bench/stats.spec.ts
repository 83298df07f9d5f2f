import { describe, expect, it } from '@jest/globals';
import { referenceLoopMs, rssGrowth, summarize } from './stats.js';

describe('bench statistics', () => {
  it('summarizes latencies exactly', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarize(samples)).toEqual({ p50: 51, p95: 96, p99: 100, max: 100, mean: 50.5 });
  });

  it('does not read a garbage-collector sawtooth as growth', () => {
    // Warm-up at 300 MiB, then the same 220 → 350 MiB sawtooth to the end: the first sample after warm-up sits in a
    // trough and the last on a peak (+59% read sample to sample), yet nothing grew.
    const sawtooth = [300, 300, 300, 300, ...Array.from({ length: 4 }, () => [220, 250, 280, 350]).flat()];
    expect(rssGrowth(sawtooth)).toEqual({ floor: 0, median: 0, peak: 0 });
    // Taller teeth late (the collector waiting longer) are not a leak either: what survives collection stays put.
    const taller = [300, 300, 300, 300, ...Array.from({ length: 2 }, () => [220, 250, 280, 300]).flat(), ...Array.from({ length: 2 }, () => [220, 280, 330, 360]).flat()];
    expect(rssGrowth(taller).floor).toBe(0);
    expect(rssGrowth(taller).peak).toBe(20);
  });

  it('reads a leak as growth: of the floor, the median and the peaks', () => {
    const leak = Array.from({ length: 20 }, (_, i) => 200 + 10 * i + (i % 2) * 20);
    const growth = rssGrowth(leak);
    expect(growth.floor).toBeGreaterThan(30);
    expect(growth.median).toBeGreaterThan(30);
    expect(growth.peak).toBeGreaterThan(30);
  });
});

describe('referenceLoopMs', () => {
  it('times the reference loop in whole milliseconds', () => {
    const ms = referenceLoopMs();
    expect(Number.isInteger(ms)).toBe(true);
    expect(ms).toBeGreaterThan(0);
  });
});

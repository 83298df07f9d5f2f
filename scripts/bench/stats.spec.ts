import { describe, expect, it } from '@jest/globals';
import { histogramQuantile, parseHistogram, referenceLoopMs, rssGrowth, sampleValue, summarize } from './stats.js';

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

describe('stage quantiles from two scrapes of a Prometheus histogram', () => {
  const scrape = (admission: number[], answer: number[]): string =>
    [
      '# TYPE fengda_turn_stage_duration_seconds histogram',
      ...['0.001', '0.01', '0.1', '+Inf'].map((le, i) => `fengda_turn_stage_duration_seconds_bucket{le="${le}",stage="admission"} ${admission[i]}`),
      ...['0.001', '0.01', '0.1', '+Inf'].map((le, i) => `fengda_turn_stage_duration_seconds_bucket{le="${le}",stage="answer"} ${answer[i]}`),
      'fengda_turn_stage_duration_seconds_count{stage="answer"} 0',
    ].join('\n');

  it('counts only what happened between the scrapes, interpolating inside the bucket', () => {
    const before = parseHistogram(scrape([5, 5, 5, 5], [0, 0, 0, 0]), 'fengda_turn_stage_duration_seconds', 'stage');
    // 100 admissions since: 50 under 1 ms, 50 between 1 and 10 ms.
    const after = parseHistogram(scrape([55, 105, 105, 105], [0, 0, 40, 40]), 'fengda_turn_stage_duration_seconds', 'stage');
    expect([...after.keys()]).toEqual(['admission', 'answer']);
    expect(histogramQuantile(before.get('admission'), after.get('admission')!, 0.5)).toBeCloseTo(0.001);
    expect(histogramQuantile(before.get('admission'), after.get('admission')!, 0.75)).toBeCloseTo(0.0055);
    expect(histogramQuantile(before.get('answer'), after.get('answer')!, 0.99)).toBeCloseTo(0.01 + 0.09 * 0.99);
  });

  it('is 0 without observations and the last finite bound for the +Inf bucket', () => {
    const empty = parseHistogram(scrape([0, 0, 0, 0], [0, 0, 0, 0]), 'fengda_turn_stage_duration_seconds', 'stage');
    expect(histogramQuantile(undefined, empty.get('answer')!, 0.5)).toBe(0);
    const slow = parseHistogram(scrape([0, 0, 0, 10], [0, 0, 0, 0]), 'fengda_turn_stage_duration_seconds', 'stage');
    expect(histogramQuantile(undefined, slow.get('admission')!, 0.5)).toBe(0.1);
  });
});

describe('referenceLoopMs', () => {
  it('times the reference loop in whole milliseconds', () => {
    const ms = referenceLoopMs();
    expect(Number.isInteger(ms)).toBe(true);
    expect(ms).toBeGreaterThan(0);
  });
});

describe('unlabelled samples of a Prometheus scrape', () => {
  it("reads a histogram's sum and count, and 0 for a sample that is not there", () => {
    const text = ['# TYPE fengda_answer_job_turns histogram', 'fengda_answer_job_turns_bucket{le="1"} 3', 'fengda_answer_job_turns_sum 41', 'fengda_answer_job_turns_count 12'].join('\n');
    expect(sampleValue(text, 'fengda_answer_job_turns_sum')).toBe(41);
    expect(sampleValue(text, 'fengda_answer_job_turns_count')).toBe(12);
    expect(sampleValue(text, 'fengda_answer_job_turns')).toBe(0);
    expect(sampleValue(text, 'fengda_missing_total')).toBe(0);
  });
});

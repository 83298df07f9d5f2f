import { describe, expect, it } from '@jest/globals';
import { NumericMap } from './numeric-map.js';

describe('NumericMap', () => {
  it('stores and finds keys across rehashes, including keys beyond 32 bits', () => {
    const map = new NumericMap(4);
    const keys = Array.from({ length: 5000 }, (_, i) => i * 2 ** 30 + (i % 7));
    keys.forEach((key, i) => map.insert(key, i));
    expect(map.size).toBe(keys.length);
    keys.forEach((key, i) => expect(map.get(key)).toBe(i));
    expect(map.get(3)).toBe(-1);
    expect(map.get(2 ** 52 - 1)).toBe(-1);
  });

  it('visits every entry once', () => {
    const map = new NumericMap();
    [10, 20, 30].forEach((key, i) => map.insert(key, i));
    const seen: number[] = [];
    map.forEach((value, key) => seen.push(key * 10 + value));
    expect(seen.sort((a, b) => a - b)).toEqual([100, 201, 302]);
  });
});

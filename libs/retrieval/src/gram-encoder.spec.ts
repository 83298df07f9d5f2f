import { describe, expect, it } from '@jest/globals';
import { GramEncoder, MAX_GRAM_SIZE } from './gram-encoder.js';

function keysOf(encoder: GramEncoder, phrase: string): number[] {
  const keys: number[] = [];
  encoder.forEach(phrase, (key) => keys.push(key));
  return keys;
}

describe('GramEncoder', () => {
  it('gives equal n-grams equal keys and different n-grams different keys', () => {
    const encoder = new GramEncoder(4);
    const keys = keysOf(encoder, ' abcd abcd ');
    expect(keys).toHaveLength(' abcd abcd '.length - 3);
    expect(keys[0]).toBe(keys[5]);
    expect(new Set(keys).size).toBe(5);
    expect(keys.every((key) => Number.isSafeInteger(key))).toBe(true);
  });

  it('reports n-grams with characters unknown to a frozen encoder as -1', () => {
    const encoder = new GramEncoder(3);
    const known = keysOf(encoder, ' 银行卡 ');
    encoder.freeze();
    expect(keysOf(encoder, ' 银行卡 ')).toEqual(known);
    expect(keysOf(encoder, ' 银行x卡 ')).toEqual([known[0], -1, -1, -1]);
  });

  it('rejects sizes whose keys would not be exact', () => {
    expect(() => new GramEncoder(MAX_GRAM_SIZE + 1)).toThrow(RangeError);
    expect(() => new GramEncoder(0)).toThrow(RangeError);
  });
});

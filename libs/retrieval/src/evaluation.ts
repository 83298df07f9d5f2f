import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { RetrievalOptions } from './options.js';
import { RetrievalIndex, type KbDocument } from './retrieval-index.js';

/**
 * Offline measurement of the engine on a labelled FAQ set: the code behind `npm run eval` and the quality floor in
 * the test suite, so both run exactly the same engine and counting.
 *
 * KB lines: {id, question, similar_questions|similarQuestions|alt_questions?, answer?}; query lines:
 * {query, expected_id|expectedId, split?}, the id null for a question the KB does not cover.
 */

/** A labelled query; `expectedId` null: out of the KB's scope, the right answer is the fallback. */
export interface EvalQuery {
  query: string;
  expectedId: string | null;
}

/** Counts of one evaluation (sums; see {@link evalSummary} for the rates). */
export interface EvalCounts {
  top1: number;
  top3: number;
  mrr: number;
  /** In-scope queries (the rates above are over these). */
  n: number;
  /** Out-of-scope queries, and how many of them got no confident hit (so the fallback). */
  outOfScope: number;
  outOfScopeFallbacks: number;
  /** Queries whose best hit's confidence reached the threshold (answered rather than the fallback). */
  accepted: number;
  acceptedCorrect: number;
  /** Search time of each query, ms. */
  times: number[];
  /** One JSON line per query when asked for (`--dump`). */
  dump: string[];
}

/** A malformed evaluation file (the message names the file and line). */
export class EvalInputError extends Error {}

/** Non-empty lines of a JSONL file as objects; a line that is not a JSON object throws with its line number. */
export function readJsonlFile(file: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EvalInputError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  text
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        throw new EvalInputError(`${file}:${i + 1}: invalid JSON`);
      }
      if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new EvalInputError(`${file}:${i + 1}: not a JSON object`);
      rows.push(row as Record<string, unknown>);
    });
  return rows;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A KB line as the engine's document (the evaluation sets name similar questions in three ways). */
export function kbDocumentFromRow(row: Record<string, unknown>): KbDocument {
  const similar = row.similar_questions ?? row.similarQuestions ?? row.alt_questions;
  return {
    id: String(row.id),
    question: typeof row.question === 'string' ? row.question : '',
    similarQuestions: stringList(similar),
    answer: typeof row.answer === 'string' ? row.answer : '',
  };
}

/** The query lines of one split (all of them when `split` is undefined). */
export function evalQueriesFromRows(rows: readonly Record<string, unknown>[], split?: string): EvalQuery[] {
  return rows
    .filter((row) => split === undefined || row.split === split)
    .map((row) => {
      const expected = row.expected_id === undefined ? row.expectedId : row.expected_id;
      return { query: String(row.query ?? ''), expectedId: expected === null || expected === undefined ? null : String(expected) };
    });
}

/** Search every query against `index` and count where the expected entry lands. */
export function evaluate(index: RetrievalIndex, queries: readonly EvalQuery[], threshold: number, dump = false): EvalCounts {
  const m = emptyCounts();
  for (const { query, expectedId } of queries) {
    const start = performance.now();
    const hits = index.search(query, 10);
    m.times.push(performance.now() - start);
    if (expectedId === null) {
      m.outOfScope++;
      const top = hits[0];
      if ((top?.confidence ?? 0) < threshold) m.outOfScopeFallbacks++;
      if (dump) m.dump.push(JSON.stringify({ query, expectedId, top: top?.id ?? null, confidence: top?.confidence ?? 0 }));
      continue;
    }
    m.n++;
    const rank = hits.findIndex((hit) => hit.id === expectedId);
    if (rank === 0) m.top1++;
    if (rank >= 0 && rank < 3) m.top3++;
    if (rank >= 0) m.mrr += 1 / (rank + 1);
    const confidence = hits[0]?.confidence ?? 0;
    if (confidence >= threshold) {
      m.accepted++;
      if (rank === 0) m.acceptedCorrect++;
    }
    if (dump) m.dump.push(JSON.stringify({ query, expectedId, top: hits[0]?.id ?? null, confidence, rank }));
  }
  return m;
}

function emptyCounts(): EvalCounts {
  return { top1: 0, top3: 0, mrr: 0, n: 0, outOfScope: 0, outOfScopeFallbacks: 0, accepted: 0, acceptedCorrect: 0, times: [], dump: [] };
}

/** Rates of an evaluation, rounded to 4 digits: top-1, top-3, MRR, and the share answered above the threshold. */
export interface EvalSummary {
  top1: number;
  top3: number;
  mrr: number;
  n: number;
  acceptedRate: number;
  acceptedPrecision: number;
  /** Only when the set has out-of-scope queries: how many, and the share that got the fallback. */
  outOfScope?: { n: number; fallbackRate: number };
}

export function evalSummary(m: EvalCounts): EvalSummary {
  const rate = (x: number, of: number): number => round(of ? x / of : 0);
  return {
    top1: rate(m.top1, m.n),
    top3: rate(m.top3, m.n),
    mrr: rate(m.mrr, m.n),
    n: m.n,
    acceptedRate: rate(m.accepted, m.n),
    acceptedPrecision: rate(m.acceptedCorrect, m.accepted),
    ...(m.outOfScope > 0 ? { outOfScope: { n: m.outOfScope, fallbackRate: rate(m.outOfScopeFallbacks, m.outOfScope) } } : {}),
  };
}

function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits));
}

function wordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []);
}

/** Jaccard overlap of the word sets of two phrasings. */
function overlap(a: string, b: string): number {
  const x = wordSet(a);
  const y = wordSet(b);
  let shared = 0;
  for (const w of x) if (y.has(w)) shared++;
  return shared / Math.max(1, x.size + y.size - shared);
}

/** Phrasings at least this similar to a held-out one leave the KB with it (else CV would test copies). */
const NEAR_DUPLICATE = 0.5;

/**
 * Leave-one-phrasing-out cross-validation over the KB alone: fold j holds out the j-th phrasing of every entry
 * that has at least three (the entry keeps the others, minus near-duplicates of the held-out one) and asks it
 * as a query. Needs no query file; tunes without touching dev or test.
 */
export function crossValidate(docs: readonly KbDocument[], options: Partial<RetrievalOptions>, threshold: number): EvalCounts {
  const phrasingsOf = docs.map((d) => [d.question, ...d.similarQuestions].filter((t) => t.trim() !== ''));
  const folds = Math.max(...phrasingsOf.map((p) => p.length));
  const total = emptyCounts();
  for (let fold = 0; fold < folds; fold++) {
    const queries: EvalQuery[] = [];
    const kb = docs.map((doc, i): KbDocument => {
      const phrasings = phrasingsOf[i];
      if (phrasings.length < 3 || fold >= phrasings.length) return doc;
      const heldOut = phrasings[fold];
      const kept = phrasings.filter((p, j) => j !== fold && overlap(p, heldOut) < NEAR_DUPLICATE);
      if (kept.length === 0) return doc;
      queries.push({ query: heldOut, expectedId: doc.id });
      return { ...doc, question: kept[0], similarQuestions: kept.slice(1) };
    });
    const m = evaluate(RetrievalIndex.build(kb, options), queries, threshold);
    total.top1 += m.top1;
    total.top3 += m.top3;
    total.mrr += m.mrr;
    total.n += m.n;
    total.accepted += m.accepted;
    total.acceptedCorrect += m.acceptedCorrect;
    total.times.push(...m.times);
  }
  return total;
}

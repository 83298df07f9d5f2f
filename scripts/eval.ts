/**
 * Offline quality and latency measurement of the FAQ retrieval engine.
 *
 *   npm run eval -- --kb FILE --queries FILE [--split dev|test] [--json]
 *                   [--threshold X] [--opt name=value ...] [--dump FILE]
 *   npm run eval -- --kb FILE --cv [--json] [--opt name=value ...]
 *
 * KB lines: {id, question, similar_questions|similarQuestions|alt_questions?, answer?}; query lines:
 * {query, expected_id, split?}. Prints top-1, top-3, MRR, n and search latency; `--json` prints one JSON object.
 * `--cv` runs leave-one-phrasing-out cross-validation over the KB alone (see crossValidate).
 * FENGDA_WORD_VECTORS=off measures the lexical-only engine.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_CONFIDENCE_THRESHOLD,
  RetrievalIndex,
  sharedWordVectors,
  wordVectorLoadInfo,
  type KbDocument,
  type RetrievalOptions,
} from '../libs/retrieval/src/index.js';

interface Args {
  kb: string;
  queries?: string;
  cv: boolean;
  split?: string;
  json: boolean;
  threshold: number;
  options: Partial<RetrievalOptions>;
  dump?: string;
}

interface QueryRow {
  query: string;
  expectedId: string;
}

function fail(message: string): never {
  process.stderr.write(`eval: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  const options: Record<string, number> = {};
  const args: Partial<Args> = { json: false, cv: false, threshold: DEFAULT_CONFIDENCE_THRESHOLD };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => argv[++i] ?? fail(`${flag} needs a value`);
    if (flag === '--kb') args.kb = value();
    else if (flag === '--queries') args.queries = value();
    else if (flag === '--split') args.split = value();
    else if (flag === '--json') args.json = true;
    else if (flag === '--cv') args.cv = true;
    else if (flag === '--threshold') args.threshold = Number(value());
    else if (flag === '--dump') args.dump = value();
    else if (flag === '--opt') {
      const [name, raw] = value().split('=');
      if (!name || raw === undefined || !Number.isFinite(Number(raw))) fail(`bad --opt, expected name=number`);
      options[name] = Number(raw);
    } else fail(`unknown argument ${flag}`);
  }
  if (!args.kb || (!args.queries && !args.cv)) fail('usage: eval --kb FILE (--queries FILE [--split dev|test] | --cv) [--json]');
  return { ...(args as Args), options: options as Partial<RetrievalOptions> };
}

function readJsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return fail(`${file}:${i + 1}: invalid JSON`);
      }
    });
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function toKbDocument(row: Record<string, unknown>): KbDocument {
  const similar = row.similar_questions ?? row.similarQuestions ?? row.alt_questions;
  return {
    id: String(row.id),
    question: typeof row.question === 'string' ? row.question : '',
    similarQuestions: stringList(similar),
    answer: typeof row.answer === 'string' ? row.answer : '',
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function round(x: number, digits = 4): number {
  return Number(x.toFixed(digits));
}

interface Metrics {
  top1: number;
  top3: number;
  mrr: number;
  n: number;
  accepted: number;
  acceptedCorrect: number;
  times: number[];
  dump: string[];
}

/** Search every query against `index` and count where the expected entry lands. */
function evaluate(index: RetrievalIndex, queries: readonly QueryRow[], threshold: number, dump: boolean): Metrics {
  const m: Metrics = { top1: 0, top3: 0, mrr: 0, n: queries.length, accepted: 0, acceptedCorrect: 0, times: [], dump: [] };
  for (const { query, expectedId } of queries) {
    const start = performance.now();
    const hits = index.search(query, 10);
    m.times.push(performance.now() - start);
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
function crossValidate(docs: readonly KbDocument[], options: Partial<RetrievalOptions>, threshold: number): Metrics {
  const phrasingsOf = docs.map((d) => [d.question, ...d.similarQuestions].filter((t) => t.trim() !== ''));
  const folds = Math.max(...phrasingsOf.map((p) => p.length));
  const total: Metrics = { top1: 0, top3: 0, mrr: 0, n: 0, accepted: 0, acceptedCorrect: 0, times: [], dump: [] };
  for (let fold = 0; fold < folds; fold++) {
    const queries: QueryRow[] = [];
    const kb = docs.map((doc, i): KbDocument => {
      const phrasings = phrasingsOf[i];
      if (phrasings.length < 3 || fold >= phrasings.length) return doc;
      const heldOut = phrasings[fold];
      const kept = phrasings.filter((p, j) => j !== fold && overlap(p, heldOut) < NEAR_DUPLICATE);
      if (kept.length === 0) return doc;
      queries.push({ query: heldOut, expectedId: doc.id });
      return { ...doc, question: kept[0], similarQuestions: kept.slice(1) };
    });
    const m = evaluate(RetrievalIndex.build(kb, options), queries, threshold, false);
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

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const docs = readJsonl(args.kb).map(toKbDocument);
  if (args.cv) {
    const m = crossValidate(docs, args.options, args.threshold);
    if (m.n === 0) fail('--cv needs entries with at least three phrasings (question + similar questions)');
    const result = {
      top1: round(m.top1 / m.n),
      top3: round(m.top3 / m.n),
      mrr: round(m.mrr / m.n),
      n: m.n,
      split: 'kb-cv',
      acceptedRate: round(m.accepted / m.n),
      acceptedPrecision: round(m.accepted ? m.acceptedCorrect / m.accepted : 0),
    };
    process.stdout.write(args.json ? JSON.stringify(result) + '\n' : `kb leave-one-phrasing-out: ${JSON.stringify(result)}\n`);
    return;
  }
  if (!args.queries) fail('--queries is required unless --cv');
  const queries: QueryRow[] = readJsonl(args.queries)
    .filter((row) => args.split === undefined || row.split === args.split)
    .map((row) => ({ query: String(row.query ?? ''), expectedId: String(row.expected_id ?? row.expectedId) }));
  if (queries.length === 0) fail('no queries selected');

  // The word-vector table is shared by all indexes of a process and loaded once: measured apart from the build.
  const vectorStart = performance.now();
  sharedWordVectors();
  const vectorLoadMs = performance.now() - vectorStart;
  const buildStart = performance.now();
  const index = RetrievalIndex.build(docs, args.options);
  const buildMs = performance.now() - buildStart;
  // Warm up the JIT so latency reflects steady-state serving, not the first compilations.
  for (let i = 0; i < Math.min(200, queries.length); i++) index.search(queries[i].query, 10);

  const m = evaluate(index, queries, args.threshold, args.dump !== undefined);
  if (args.dump) writeFileSync(args.dump, m.dump.join('\n') + '\n');

  const n = queries.length;
  const times = [...m.times].sort((a, b) => a - b);
  const meanMs = times.reduce((s, t) => s + t, 0) / n;
  const result = {
    top1: round(m.top1 / n),
    top3: round(m.top3 / n),
    mrr: round(m.mrr / n),
    n,
    split: args.split ?? 'all',
    kbSize: index.size,
    wordVectors: wordVectorLoadInfo()?.words ?? 0,
    vectorLoadMs: round(vectorLoadMs, 2),
    buildMs: round(buildMs, 2),
    searchMeanMs: round(meanMs, 4),
    searchP99Ms: round(percentile(times, 0.99), 4),
    threshold: args.threshold,
    acceptedRate: round(m.accepted / n),
    acceptedPrecision: round(m.accepted ? m.acceptedCorrect / m.accepted : 0),
  };
  if (args.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const pct = (x: number): string => (100 * x).toFixed(2) + '%';
  process.stdout.write(
    [
      `kb: ${args.kb} (${index.size} entries, built in ${result.buildMs} ms)`,
      `word vectors: ${result.wordVectors} words, loaded once in ${result.vectorLoadMs} ms`,
      `queries: ${args.queries} split=${result.split} n=${n}`,
      `top-1: ${pct(result.top1)}  top-3: ${pct(result.top3)}  MRR: ${result.mrr.toFixed(4)}`,
      `search: mean ${result.searchMeanMs} ms, p99 ${result.searchP99Ms} ms`,
      `confidence >= ${args.threshold}: ${pct(result.acceptedRate)} of queries answered, ` +
        `${pct(result.acceptedPrecision)} of those correct`,
    ].join('\n') + '\n',
  );
}

main();

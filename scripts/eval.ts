/**
 * Offline quality and latency measurement of the FAQ retrieval engine.
 *
 *   npm run eval -- --kb FILE --queries FILE [--split dev|test] [--json]
 *                   [--threshold X] [--opt name=value ...] [--dump FILE]
 *   npm run eval -- --kb FILE --cv [--json] [--opt name=value ...]
 *
 * KB lines: {id, question, similar_questions|similarQuestions|alt_questions?, answer?}; query lines:
 * {query, expected_id, split?}, `expected_id: null` for a question the KB does not cover (counted apart, by whether
 * it gets the fallback). Prints top-1, top-3, MRR, n (in-scope queries) and search latency; `--json` prints one
 * JSON object (with `outOfScope: {n, fallbackRate}` when there are such queries).
 * `--cv` runs leave-one-phrasing-out cross-validation over the KB alone (see crossValidate).
 * FENGDA_WORD_VECTORS=off measures the lexical-only engine.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  crossValidate,
  DEFAULT_CONFIDENCE_THRESHOLD,
  evalQueriesFromRows,
  evalSummary,
  evaluate,
  EvalInputError,
  kbDocumentFromRow,
  readJsonlFile,
  RetrievalIndex,
  sharedWordVectors,
  wordVectorLoadInfo,
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

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const docs = readJsonlFile(args.kb).map(kbDocumentFromRow);
  if (args.cv) {
    const m = crossValidate(docs, args.options, args.threshold);
    if (m.n === 0) fail('--cv needs entries with at least three phrasings (question + similar questions)');
    const { top1, top3, mrr, n, acceptedRate, acceptedPrecision } = evalSummary(m);
    const result = { top1, top3, mrr, n, split: 'kb-cv', acceptedRate, acceptedPrecision };
    process.stdout.write(args.json ? JSON.stringify(result) + '\n' : `kb leave-one-phrasing-out: ${JSON.stringify(result)}\n`);
    return;
  }
  if (!args.queries) fail('--queries is required unless --cv');
  const queries = evalQueriesFromRows(readJsonlFile(args.queries), args.split);
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

  const times = [...m.times].sort((a, b) => a - b);
  const meanMs = times.reduce((s, t) => s + t, 0) / times.length;
  const { top1, top3, mrr, n, acceptedRate, acceptedPrecision, outOfScope } = evalSummary(m);
  const result = {
    top1,
    top3,
    mrr,
    n,
    split: args.split ?? 'all',
    kbSize: index.size,
    wordVectors: wordVectorLoadInfo()?.words ?? 0,
    vectorLoadMs: round(vectorLoadMs, 2),
    buildMs: round(buildMs, 2),
    searchMeanMs: round(meanMs, 4),
    searchP99Ms: round(percentile(times, 0.99), 4),
    threshold: args.threshold,
    acceptedRate,
    acceptedPrecision,
    ...(outOfScope ? { outOfScope } : {}),
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
      ...(outOfScope ? [`out of scope: ${outOfScope.n} queries, ${pct(outOfScope.fallbackRate)} answered with the fallback`] : []),
    ].join('\n') + '\n',
  );
}

try {
  main();
} catch (error) {
  if (!(error instanceof EvalInputError)) throw error;
  fail(error.message);
}

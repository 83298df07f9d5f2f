/**
 * Offline quality and latency measurement of the FAQ retrieval engine.
 *
 *   npm run eval -- --kb FILE --queries FILE [--split dev|test] [--json]
 *                   [--threshold X] [--opt name=value ...] [--dump FILE]
 *
 * KB lines: {id, question, similar_questions|similarQuestions|alt_questions?, answer?}; query lines:
 * {query, expected_id, split?}. Prints top-1, top-3, MRR, n and search latency; `--json` prints one JSON object.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_CONFIDENCE_THRESHOLD,
  RetrievalIndex,
  type KbDocument,
  type RetrievalOptions,
} from '../libs/retrieval/src/index.js';

interface Args {
  kb: string;
  queries: string;
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
  const args: Partial<Args> = { json: false, threshold: DEFAULT_CONFIDENCE_THRESHOLD };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => argv[++i] ?? fail(`${flag} needs a value`);
    if (flag === '--kb') args.kb = value();
    else if (flag === '--queries') args.queries = value();
    else if (flag === '--split') args.split = value();
    else if (flag === '--json') args.json = true;
    else if (flag === '--threshold') args.threshold = Number(value());
    else if (flag === '--dump') args.dump = value();
    else if (flag === '--opt') {
      const [name, raw] = value().split('=');
      if (!name || raw === undefined || !Number.isFinite(Number(raw))) fail(`bad --opt, expected name=number`);
      options[name] = Number(raw);
    } else fail(`unknown argument ${flag}`);
  }
  if (!args.kb || !args.queries) fail('usage: eval --kb FILE --queries FILE [--split dev|test] [--json]');
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

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const docs = readJsonl(args.kb).map(toKbDocument);
  const queries: QueryRow[] = readJsonl(args.queries)
    .filter((row) => args.split === undefined || row.split === args.split)
    .map((row) => ({ query: String(row.query ?? ''), expectedId: String(row.expected_id ?? row.expectedId) }));
  if (queries.length === 0) fail('no queries selected');

  const buildStart = performance.now();
  const index = RetrievalIndex.build(docs, args.options);
  const buildMs = performance.now() - buildStart;
  // Warm up the JIT so latency reflects steady-state serving, not the first compilations.
  for (let i = 0; i < Math.min(200, queries.length); i++) index.search(queries[i].query, 10);

  let top1 = 0;
  let top3 = 0;
  let reciprocal = 0;
  let accepted = 0;
  let acceptedCorrect = 0;
  const times: number[] = [];
  const dump: string[] = [];
  for (const { query, expectedId } of queries) {
    const start = performance.now();
    const hits = index.search(query, 10);
    times.push(performance.now() - start);
    const rank = hits.findIndex((hit) => hit.id === expectedId);
    if (rank === 0) top1++;
    if (rank >= 0 && rank < 3) top3++;
    if (rank >= 0) reciprocal += 1 / (rank + 1);
    const confidence = hits[0]?.confidence ?? 0;
    if (confidence >= args.threshold) {
      accepted++;
      if (rank === 0) acceptedCorrect++;
    }
    if (args.dump) dump.push(JSON.stringify({ query, expectedId, top: hits[0]?.id ?? null, confidence, rank }));
  }
  if (args.dump) writeFileSync(args.dump, dump.join('\n') + '\n');

  const n = queries.length;
  times.sort((a, b) => a - b);
  const meanMs = times.reduce((s, t) => s + t, 0) / n;
  const result = {
    top1: round(top1 / n),
    top3: round(top3 / n),
    mrr: round(reciprocal / n),
    n,
    split: args.split ?? 'all',
    kbSize: index.size,
    buildMs: round(buildMs, 2),
    searchMeanMs: round(meanMs, 4),
    searchP99Ms: round(percentile(times, 0.99), 4),
    threshold: args.threshold,
    acceptedRate: round(accepted / n),
    acceptedPrecision: round(accepted ? acceptedCorrect / accepted : 0),
  };
  if (args.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const pct = (x: number): string => (100 * x).toFixed(2) + '%';
  process.stdout.write(
    [
      `kb: ${args.kb} (${index.size} entries, built in ${result.buildMs} ms)`,
      `queries: ${args.queries} split=${result.split} n=${n}`,
      `top-1: ${pct(result.top1)}  top-3: ${pct(result.top3)}  MRR: ${result.mrr.toFixed(4)}`,
      `search: mean ${result.searchMeanMs} ms, p99 ${result.searchP99Ms} ms`,
      `confidence >= ${args.threshold}: ${pct(result.acceptedRate)} of queries answered, ` +
        `${pct(result.acceptedPrecision)} of those correct`,
    ].join('\n') + '\n',
  );
}

main();

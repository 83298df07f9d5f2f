import { RetrievalIndex } from '../libs/retrieval/src/index.js';
import { syntheticKb } from '../libs/retrieval/src/test-fixtures.js';

// `npm run bench:retrieval`: index build time and search latency for a 100- and a 10,000-entry
// knowledge base (synthetic, deterministic). Prints one JSON object.

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

const measure = (size: number): Record<string, number> => {
  const kb = syntheticKb(size);
  const queries = kb.slice(0, 500).map((e, i) => (i % 2 === 0 ? (e.similarQuestions[0] ?? e.question) : `${e.question} please help`));
  const builds: number[] = [];
  let index = RetrievalIndex.build(kb);
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    index = RetrievalIndex.build(kb);
    builds.push(performance.now() - start);
  }
  for (const q of queries) index.search(q);
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const q of queries) {
      const start = performance.now();
      index.search(q);
      times.push(performance.now() - start);
    }
  }
  times.sort((a, b) => a - b);
  const round3 = (n: number): number => Math.round(n * 1000) / 1000;
  return {
    entries: size,
    buildMsMin: round3(Math.min(...builds)),
    searchMeanMs: round3(times.reduce((a, b) => a + b, 0) / times.length),
    searchP99Ms: round3(percentile(times, 0.99)),
  };
};

console.log(JSON.stringify({ small: measure(100), large: measure(10_000) }));

import { normalizeText, type Token } from './analyzer.js';

/** Feature classes; each has its own weight so n-grams and bigrams only nudge the word-level match. */
export const FeatureClass = { Term: 0, WordBigram: 1, CharGram: 2, StopWord: 3, CjkChar: 4, PhraseGram: 5 } as const;
export type FeatureClass = (typeof FeatureClass)[keyof typeof FeatureClass];

export const FEATURE_CLASS_COUNT = 6;

// Non-term classes carry a one-character prefix so their keys never collide with plain terms.
const PREFIX = ['', '\u0001', '\u0002', '\u0003', '\u0004', '\u0005'];

/** Settings of feature extraction that the index passes through from its options. */
export interface FeatureSettings {
  readonly classWeights: readonly number[];
  readonly charGramSize: number;
  /** Words shorter than this get no character n-grams (they are matched exactly instead). */
  readonly charGramMinLength: number;
  readonly phraseGramMin: number;
  readonly phraseGramMax: number;
}

/** A text's features with their counts, plus its length in tokens for BM25 length normalisation. */
export interface FeatureBag {
  readonly counts: Map<string, number>;
  readonly length: number;
}

/** Class of a feature key (inverse of the prefixing above). */
export function featureClass(key: string): FeatureClass {
  const code = key.charCodeAt(0);
  return code >= 1 && code <= 5 ? (code as FeatureClass) : FeatureClass.Term;
}

const gramCache = new Map<string, readonly string[]>();

function charGrams(term: string, n: number): readonly string[] {
  const cacheKey = `${n}\u0000${term}`;
  const cached = gramCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const padded = `^${term}$`;
  const grams: string[] = [];
  for (let i = 0; i + n <= padded.length; i++) grams.push(PREFIX[FeatureClass.CharGram] + padded.slice(i, i + n));
  if (gramCache.size > 200_000) gramCache.clear();
  gramCache.set(cacheKey, grams);
  return grams;
}

function add(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Turn analysed tokens into weighted-class features; classes with weight 0 are not generated at all. */
export function extractFeatures(tokens: readonly Token[], settings: FeatureSettings, text?: string): FeatureBag {
  const w = settings.classWeights;
  const counts = new Map<string, number>();
  let length = 0;
  let previous: string | undefined;
  for (const token of tokens) {
    switch (token.kind) {
      case 'word':
        length++;
        add(counts, token.term);
        if (w[FeatureClass.WordBigram] > 0 && previous !== undefined) {
          add(counts, PREFIX[FeatureClass.WordBigram] + previous + ' ' + token.term);
        }
        previous = token.term;
        if (w[FeatureClass.CharGram] > 0 && token.term.length >= settings.charGramMinLength) {
          for (const gram of charGrams(token.term, settings.charGramSize)) add(counts, gram);
        }
        break;
      case 'stop':
        length++;
        if (w[FeatureClass.StopWord] > 0) add(counts, PREFIX[FeatureClass.StopWord] + token.term);
        break;
      case 'cjk-word':
      case 'cjk-bigram':
        length++;
        add(counts, token.term);
        previous = undefined;
        break;
      case 'cjk-char':
        if (w[FeatureClass.CjkChar] > 0) add(counts, PREFIX[FeatureClass.CjkChar] + token.term);
        break;
    }
  }
  if (text !== undefined && w[FeatureClass.PhraseGram] > 0) {
    const s = ' ' + normalizeText(text).replace(/[^\p{L}\p{N}]+/gu, ' ').trim() + ' ';
    for (let n = settings.phraseGramMin; n <= settings.phraseGramMax; n++) {
      for (let i = 0; i + n <= s.length; i++) add(counts, PREFIX[FeatureClass.PhraseGram] + s.slice(i, i + n));
    }
  }
  return { counts, length };
}

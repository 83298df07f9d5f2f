import { analyzeNormalized, normalizeText } from './analyzer.js';
import type { FeatureKeys } from './feature-keys.js';
import { CONCEPTS } from './synonyms.js';

/** Feature classes; each has its own weight so n-grams and bigrams only nudge the word-level match. */
export const FeatureClass = {
  Term: 0,
  WordBigram: 1,
  CharGram: 2,
  StopWord: 3,
  CjkChar: 4,
  PhraseGram: 5,
  Concept: 6,
} as const;
export type FeatureClass = (typeof FeatureClass)[keyof typeof FeatureClass];

export const FEATURE_CLASS_COUNT = 7;

// Non-term classes carry a one-character prefix so their keys never collide with plain terms.
const PREFIX = ['', '\u0001', '\u0002', '\u0003', '\u0004', '\u0005', '\u0006'];

/** Settings of feature extraction, derived from the index options. */
export interface FeatureSettings {
  readonly classWeights: readonly number[];
  readonly charGramSize: number;
  /** Words shorter than this get no character n-grams (they are matched exactly instead). */
  readonly charGramMinLength: number;
  readonly phraseGramSize: number;
}

/** Class of a feature key (inverse of the prefixing above). */
export function featureClass(key: string): FeatureClass {
  const code = key.charCodeAt(0);
  return code >= 1 && code < FEATURE_CLASS_COUNT ? (code as FeatureClass) : FeatureClass.Term;
}

// In-word n-grams depend only on the word; vocabularies are small and repetitive, so memoise them.
const gramCache = new Map<string, readonly string[]>();
const GRAM_CACHE_LIMIT = 200_000;

function charGrams(term: string, n: number): readonly string[] {
  const cacheKey = `${n}\u0000${term}`;
  const cached = gramCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const padded = `^${term}$`;
  const grams: string[] = [];
  for (let i = 0; i + n <= padded.length; i++) grams.push(PREFIX[FeatureClass.CharGram] + padded.slice(i, i + n));
  if (gramCache.size >= GRAM_CACHE_LIMIT) gramCache.clear();
  gramCache.set(cacheKey, grams);
  return grams;
}

/**
 * Receives the features of a text. Phrase n-grams, by far the most numerous, are not emitted one by one:
 * the sink gets the normalised phrase and encodes its n-grams itself (see GramEncoder).
 */
export interface FeatureSink {
  /** A class-prefixed string feature. */
  feature(key: string): void;
  /** A bigram of adjacent token terms. */
  bigram(first: string, second: string): void;
  /** The normalised phrase, for character n-grams. */
  phrase(phrase: string): void;
}

/** Maps a stemmed content word of a query to the term to look up instead (spelling correction). */
export type TermRewrite = (term: string) => string;

/**
 * Emit the class-prefixed features of a text; classes with weight 0 are not generated. Returns the text's
 * length in tokens (for BM25). `wordsOnly` (used for answers) keeps words and concepts only: bigrams and n-grams of
 * long answers would cost much and add noise. `rewrite` (queries only) replaces content words before their
 * word-level features are derived; phrase n-grams keep the text as typed.
 */
export function emitFeatures(
  text: string,
  settings: FeatureSettings,
  sink: FeatureSink,
  wordsOnly = false,
  rewrite?: TermRewrite,
): number {
  const w = settings.classWeights;
  const bigrams = !wordsOnly && w[FeatureClass.WordBigram] > 0;
  const emit = (key: string): void => sink.feature(key);
  const normalized = normalizeText(text);
  let length = 0;
  let previous: string | undefined;
  for (const token of analyzeNormalized(normalized)) {
    switch (token.kind) {
      case 'word':
      case 'stop': {
        length++;
        const isStop = token.kind === 'stop';
        const term = isStop || rewrite === undefined ? token.term : rewrite(token.term);
        if (!isStop) emit(term);
        else if (w[FeatureClass.StopWord] > 0) emit(PREFIX[FeatureClass.StopWord] + term);
        if (bigrams && previous !== undefined) sink.bigram(previous, term);
        previous = term;
        if (isStop) break;
        if (w[FeatureClass.Concept] > 0) {
          const concept = CONCEPTS.get(term);
          if (concept !== undefined) emit(PREFIX[FeatureClass.Concept] + concept);
        }
        if (!wordsOnly && w[FeatureClass.CharGram] > 0 && term.length >= settings.charGramMinLength) {
          for (const gram of charGrams(term, settings.charGramSize)) emit(gram);
        }
        break;
      }
      case 'cjk-word':
      case 'cjk-bigram':
        length++;
        emit(token.term);
        previous = undefined;
        break;
      case 'cjk-char':
        if (w[FeatureClass.CjkChar] > 0) emit(PREFIX[FeatureClass.CjkChar] + token.term);
        break;
    }
  }
  if (!wordsOnly && w[FeatureClass.PhraseGram] > 0) {
    sink.phrase(` ${normalized.replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `);
  }
  return length;
}

/** Features of a query, resolved against a frozen vocabulary. */
export interface QueryFeatures {
  /** Known feature ids (each once). */
  readonly known: ReadonlySet<number>;
  /** Per feature class, how many features of the query the KB has never seen. */
  readonly unseen: readonly number[];
}

/** Resolve a query's features against the index vocabulary (`rewrite`: see {@link emitFeatures}). */
export function queryFeatures(
  text: string,
  settings: FeatureSettings,
  keys: FeatureKeys,
  rewrite?: TermRewrite,
): QueryFeatures {
  const known = new Set<number>();
  const unseenKeys = new Set<string>();
  const unseen = new Array<number>(FEATURE_CLASS_COUNT).fill(0);
  const resolve = (id: number, featureClassIfUnknown: FeatureClass): void => {
    if (id >= 0) known.add(id);
    else unseen[featureClassIfUnknown]++;
  };
  const sink: FeatureSink = {
    feature: (key) => {
      const id = keys.stringId(key);
      if (id >= 0) known.add(id);
      else if (!unseenKeys.has(key)) {
        unseenKeys.add(key);
        unseen[featureClass(key)]++;
      }
    },
    bigram: (first, second) => resolve(keys.pairId(first, second), FeatureClass.WordBigram),
    phrase: (phrase) => keys.forEachGramId(phrase, (id) => resolve(id, FeatureClass.PhraseGram)),
  };
  emitFeatures(text, settings, sink, false, rewrite);
  return { known, unseen };
}

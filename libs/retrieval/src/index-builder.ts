import { emitFeatures, FEATURE_CLASS_COUNT, FeatureClass, type FeatureSettings, type FeatureSink } from './features.js';
import { FeatureKeys } from './feature-keys.js';
import type { RetrievalOptions } from './options.js';
import { documentFrequency, PostingsBuilder, type Postings } from './postings.js';
import { SemanticIndex } from './semantic.js';
import { SpellingCorrector } from './spelling.js';
import type { WordVectors } from './word-vectors.js';

/** One FAQ entry of a tenant's knowledge base. */
export interface KbDocument {
  id: string;
  question: string;
  similarQuestions: string[];
  answer: string;
}

/** Everything a built index holds; immutable once built. */
export interface IndexData {
  readonly ids: readonly string[];
  /** Position of each entry in id order, for deterministic tie-breaking. */
  readonly idRank: Int32Array;
  /** Frozen vocabulary: feature key → id. */
  readonly keys: FeatureKeys;
  /** One document per phrasing (the question and each similar question). */
  readonly phrasings: Postings;
  /** One document per entry; weight = share of the entry's phrasings holding the feature. */
  readonly entries: Postings;
  readonly answers: Postings;
  readonly phrasingEntry: Int32Array;
  /** Sum of the weights of a phrasing's distinct features: what a query must match to cover all of it. */
  readonly phrasingMass: Float64Array;
  readonly featureWeight: Float64Array;
  readonly answerFeatureWeight: Float64Array;
  /** Weight an unseen feature of each class would have, so words the KB lacks lower the confidence. */
  readonly unseenWeight: readonly number[];
  readonly options: Readonly<RetrievalOptions>;
  readonly settings: FeatureSettings;
  /** Corrects query words the KB lacks; undefined when spelling correction is off. */
  readonly corrector: SpellingCorrector | undefined;
  /** Sentence vectors of the phrasings; undefined when semantic scoring is off or word vectors are unavailable. */
  readonly semantic: SemanticIndex | undefined;
}

/** Feature settings implied by the options. */
export function featureSettings(o: Readonly<RetrievalOptions>): FeatureSettings {
  const classWeights = new Array<number>(FEATURE_CLASS_COUNT).fill(0);
  classWeights[FeatureClass.Term] = 1;
  classWeights[FeatureClass.WordBigram] = o.bigramWeight;
  classWeights[FeatureClass.CharGram] = o.charGramWeight;
  classWeights[FeatureClass.StopWord] = o.stopWordWeight;
  classWeights[FeatureClass.CjkChar] = o.cjkCharWeight;
  classWeights[FeatureClass.PhraseGram] = o.phraseGramWeight;
  classWeights[FeatureClass.Concept] = o.conceptWeight;
  const { charGramSize, charGramMinLength, phraseGramSize } = o;
  return { classWeights, charGramSize, charGramMinLength, phraseGramSize };
}

function bm25Idf(documents: number, df: number): number {
  return Math.log(1 + (documents - df + 0.5) / (df + 0.5));
}

/** BM25 term-frequency saturation with length normalisation. */
function bm25(k1: number, b: number): (tf: number, length: number, averageLength: number) => number {
  return (tf, length, averageLength) => (tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * length) / averageLength));
}

/**
 * Counts one document's features by id without a Map per document:
 * `stamp[id]` says whether the id was already seen in the current document, `slot[id]` where its count is.
 */
class FeatureCounter implements FeatureSink {
  readonly ids: number[] = [];
  readonly counts: number[] = [];
  private readonly stamp: number[] = [];
  private readonly slot: number[] = [];
  private current = 0;
  private readonly countId = (id: number): void => this.count(id);

  constructor(private readonly keys: FeatureKeys) {}

  feature(key: string): void {
    this.count(this.keys.stringId(key));
  }

  bigram(first: string, second: string): void {
    const id = this.keys.pairId(first, second);
    if (id >= 0) this.count(id);
  }

  phrase(phrase: string): void {
    this.keys.forEachGramId(phrase, this.countId);
  }

  /** Start a new document (clears the per-document lists). */
  begin(): void {
    this.current++;
    this.ids.length = 0;
    this.counts.length = 0;
  }

  private count(id: number): void {
    while (this.stamp.length <= id) {
      this.stamp.push(0);
      this.slot.push(0);
    }
    if (this.stamp[id] === this.current) {
      this.counts[this.slot[id]]++;
      return;
    }
    this.stamp[id] = this.current;
    this.slot[id] = this.ids.length;
    this.ids.push(id);
    this.counts.push(1);
  }
}

/**
 * Whole-entry postings derived from the phrasing postings: each list is in phrasing order, so the phrasings of
 * one entry are adjacent and counting a run gives in how many of the entry's phrasings the feature occurs.
 */
function entryPostings(
  phrasings: Postings,
  phrasingEntry: Int32Array,
  phrasingCount: readonly number[],
  featureCount: number,
): Postings {
  const offsets = new Int32Array(featureCount + 1);
  // An entry list is never longer than the phrasing list it comes from, so this bounds the total.
  const docs = new Int32Array(phrasings.docs.length);
  const weights = new Float32Array(phrasings.docs.length);
  let size = 0;
  for (let f = 0; f < featureCount; f++) {
    const end = phrasings.offsets[f + 1];
    for (let i = phrasings.offsets[f]; i < end; ) {
      const entry = phrasingEntry[phrasings.docs[i]];
      let run = 0;
      while (i < end && phrasingEntry[phrasings.docs[i]] === entry) {
        run++;
        i++;
      }
      docs[size] = entry;
      weights[size++] = run / phrasingCount[entry];
    }
    offsets[f + 1] = size;
  }
  return { offsets, docs: docs.slice(0, size), weights: weights.slice(0, size) };
}

/** Analyse and index `docs`. */
export function buildIndexData(
  docs: readonly KbDocument[],
  o: Readonly<RetrievalOptions>,
  wordVectors: () => WordVectors | undefined,
): IndexData {
  const settings = featureSettings(o);
  const keys = new FeatureKeys(o.phraseGramSize);
  const counter = new FeatureCounter(keys);
  const phrasingBuilder = new PostingsBuilder();
  const answerBuilder = new PostingsBuilder();
  const phrasingEntry: number[] = [];
  const phrasingCount: number[] = [];
  const phrasingTexts: string[] = [];
  docs.forEach((doc, entry) => {
    const seen = new Set<string>();
    for (const text of [doc.question, ...doc.similarQuestions]) {
      const key = text.trim().toLowerCase();
      if (key === '' || seen.has(key)) continue;
      seen.add(key);
      counter.begin();
      const length = emitFeatures(text, settings, counter);
      phrasingBuilder.addDocument(counter.ids, counter.counts, length);
      phrasingEntry.push(entry);
      phrasingTexts.push(text);
    }
    phrasingCount.push(seen.size);
    counter.begin();
    const length = doc.answer && o.answerWeight > 0 ? emitFeatures(doc.answer, settings, counter, true) : 0;
    answerBuilder.addDocument(counter.ids, counter.counts, length);
  });

  keys.freeze();
  const featureCount = keys.size;
  const phrasings = phrasingBuilder.build(featureCount, bm25(o.k1, o.b));
  const phrasingEntries = Int32Array.from(phrasingEntry);
  const entries = entryPostings(phrasings, phrasingEntries, phrasingCount, featureCount);
  const answers = answerBuilder.build(featureCount, bm25(o.k1, o.b));
  const classOf = new Uint8Array(featureCount);
  for (let f = 0; f < featureCount; f++) classOf[f] = keys.classOf(f);
  const n = docs.length;
  const featureWeight = new Float64Array(featureCount);
  const answerFeatureWeight = new Float64Array(featureCount);
  for (let f = 0; f < featureCount; f++) {
    const w = settings.classWeights[classOf[f]];
    // IDF over entries, not phrasings: a word shared by all phrasings of one entry is the most telling.
    featureWeight[f] = w * bm25Idf(n, documentFrequency(entries, f)) ** o.idfPower;
    answerFeatureWeight[f] = w * bm25Idf(n, documentFrequency(answers, f)) ** o.idfPower;
  }
  const phrasingMass = new Float64Array(phrasingEntry.length);
  for (let f = 0; f < featureCount; f++) {
    for (let i = phrasings.offsets[f]; i < phrasings.offsets[f + 1]; i++) phrasingMass[phrasings.docs[i]] += featureWeight[f];
  }
  const maxIdf = bm25Idf(n, 0) ** o.idfPower;
  const idRank = new Int32Array(n);
  [...docs.keys()]
    .sort((a, b) => (docs[a].id < docs[b].id ? -1 : docs[a].id > docs[b].id ? 1 : a - b))
    .forEach((entry, rank) => (idRank[entry] = rank));

  const vectors = o.semanticWeight > 0 || o.semanticPlainWeight > 0 || o.softWeight > 0 ? wordVectors() : undefined;
  const semantic =
    vectors &&
    new SemanticIndex(
      vectors,
      {
        sifA: o.sifA,
        shrinkage: o.semanticShrinkage,
        softNeighbors: o.softWeight > 0 ? o.softNeighbors : 0,
        softMinCosine: o.softMinCosine,
        softKnown: o.softKnown > 0,
      },
      phrasingTexts,
      phrasingEntries,
      n,
      (term) => keys.stringId(term),
    );

  return {
    ids: docs.map((d) => d.id),
    semantic,
    corrector: o.spellingMinLength > 0 ? spellingCorrector(keys, classOf, phrasings, answers, o.spellingMinLength) : undefined,
    idRank,
    keys,
    phrasings,
    entries,
    answers,
    phrasingEntry: phrasingEntries,
    phrasingMass,
    featureWeight,
    answerFeatureWeight,
    unseenWeight: settings.classWeights.map((w) => w * maxIdf),
    options: o,
    settings,
  };
}

/**
 * Spelling corrector over the KB's English words (stems). Candidates are ranked by in how many phrasings they
 * occur, answers only breaking ties: question wording is what a customer's misspelt word most likely meant.
 */
function spellingCorrector(
  keys: FeatureKeys,
  classOf: Uint8Array,
  phrasings: Postings,
  answers: Postings,
  minLength: number,
): SpellingCorrector {
  const words: string[] = [];
  const frequency: number[] = [];
  for (const [key, id] of keys.stringFeatures()) {
    if (classOf[id] !== FeatureClass.Term || key.length < minLength - 1 || !/^[\p{Script=Latin}]+$/u.test(key)) continue;
    words.push(key);
    frequency.push(documentFrequency(phrasings, id) + documentFrequency(answers, id) / (answers.docs.length + 1));
  }
  return new SpellingCorrector(words, frequency, minLength);
}

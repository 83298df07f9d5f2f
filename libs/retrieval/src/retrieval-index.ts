import { calibratedConfidence } from './confidence.js';
import { FeatureClass, queryFeatures, type TermRewrite } from './features.js';
import { buildIndexData, type IndexData, type KbDocument } from './index-builder.js';
import { DEFAULT_OPTIONS, type RetrievalOptions } from './options.js';
import { holds } from './postings.js';
import { SearchScratch, type Scorer, type SemanticRerank } from './search-scratch.js';
import { stem } from './stemmer.js';
import { QUESTION_WORDS } from './stop-words.js';
import { sharedWordVectors, type WordVectors } from './word-vectors.js';

export type { KbDocument } from './index-builder.js';

/** A ranked entry: raw score (comparable within one query only) and calibrated confidence in [0, 1]. */
export interface SearchHit {
  id: string;
  score: number;
  confidence: number;
}

/** Inverted index over a tenant's FAQ entries; build once per KB version, search on every chat turn. */
export class RetrievalIndex {
  private scratch: SearchScratch | undefined;
  private readonly rewrite: TermRewrite | undefined;
  /** Feature ids of the question words the KB has (see {@link QUESTION_WORDS}). */
  private readonly questionWords: ReadonlySet<number>;

  private constructor(private readonly data: IndexData) {
    const { corrector, keys } = data;
    this.questionWords = new Set(QUESTION_WORDS.map((word) => keys.stringId(stem(word))).filter((id) => id >= 0));
    // Only words the KB has never seen are corrected: a known word is never "fixed" into another one.
    this.rewrite = corrector && ((term) => (keys.stringId(term) >= 0 ? term : (corrector.correct(term) ?? term)));
  }

  /** Number of indexed entries. */
  get size(): number {
    return this.data.ids.length;
  }

  /**
   * Analyse and index `docs` (entries with a duplicate id stay separate entries). English sentence vectors use the
   * process-wide word-vector table (loaded on first use); pass `wordVectors: null` for a lexical-only index.
   */
  static build(
    docs: readonly KbDocument[],
    options: Partial<RetrievalOptions> = {},
    resources: { wordVectors?: WordVectors | null } = {},
  ): RetrievalIndex {
    const { wordVectors } = resources;
    const vectors = wordVectors === null ? () => undefined : wordVectors ? () => wordVectors : sharedWordVectors;
    return new RetrievalIndex(buildIndexData(docs, { ...DEFAULT_OPTIONS, ...options }, vectors));
  }

  /** Best entries for `query`, best first (ties by id); [] when nothing in the KB matches. */
  search(query: string, limit = 5): SearchHit[] {
    const d = this.data;
    if (limit <= 0 || d.ids.length === 0) return [];
    const { known, unseen } = queryFeatures(query, d.settings, d.keys, this.rewrite);
    // Words the KB lacks may still mean one of its words ("fraud" ~ "compromised"): nearest KB words by vector.
    const soft = d.semantic?.softMatches(query, (term) => d.keys.stringId(this.rewrite ? this.rewrite(term) : term));
    if (known.size === 0 && !soft?.size) return [];
    const scratch = (this.scratch ??= new SearchScratch(d.ids.length, d.phrasingEntry.length));
    scratch.reset();

    let queryMass = 0;
    unseen.forEach((count, featureClass) => (queryMass += count * d.unseenWeight[featureClass]));
    for (const f of known) {
      const qw = d.featureWeight[f];
      queryMass += qw;
      scratch.addPhrasings(d.phrasings, f, qw);
      scratch.addEntries(d.entries, f, qw, scratch.entryScore);
      scratch.addEntries(d.answers, f, d.answerFeatureWeight[f], scratch.answerScore);
    }
    if (soft !== undefined) {
      const o = d.options;
      for (const [f, cosine] of soft) {
        if (known.has(f)) continue;
        const qw = d.featureWeight[f] * o.softWeight * cosine;
        scratch.addPhrasings(d.phrasings, f, qw);
        scratch.addEntries(d.entries, f, qw, scratch.entryScore);
        scratch.addEntries(d.answers, f, d.answerFeatureWeight[f] * o.softWeight * cosine, scratch.answerScore);
      }
    }
    if (queryMass <= 0) return [];

    const { top, lexicalRunnerUp } = scratch.rank(
      d.phrasingEntry,
      d.idRank,
      Math.max(limit, 2),
      this.scorer(),
      this.semanticRerank(query),
    );
    const hits: SearchHit[] = [];
    let ceiling = 1;
    for (let i = 0; i < top.length && i < limit; i++) {
      const { entry, score, lexical, phrasing, matched } = top[i];
      // A best hit that shares no word of substance with the query (only question words, stop-words, n-grams of the
      // question's frame, or nothing but meaning) covers none of what was asked: "What is bitcoin?" must not be
      // answered confidently by "What is my payment due date?".
      const queryCoverage = i === 0 && !this.sharesContent(known, entry) ? 0 : matched / queryMass;
      const phrasingCoverage = phrasing >= 0 ? matched / d.phrasingMass[phrasing] : 0;
      // The margin is lexical (what the confidence model was fitted on): an entry promoted by meaning alone, above
      // one with more matching words, gets no margin and so a lower confidence.
      const margin = i === 0 ? 1 - lexicalRunnerUp / lexical : 0;
      // Lower-ranked hits never look more certain than the ones above them.
      ceiling = Math.min(ceiling, calibratedConfidence(queryCoverage, phrasingCoverage, margin));
      hits.push({ id: d.ids[entry], score, confidence: ceiling });
    }
    return hits;
  }

  /** Whether entry `entry` (a phrasing or its answer) holds a word or concept of the query that is not a question word. */
  private sharesContent(known: ReadonlySet<number>, entry: number): boolean {
    const d = this.data;
    for (const f of known) {
      const featureClass = d.keys.classOf(f);
      // Words (stemmed, or spelling-corrected to a KB word) and shared concepts ("purchase" for "buy") are substance.
      if ((featureClass !== FeatureClass.Term && featureClass !== FeatureClass.Concept) || this.questionWords.has(f)) continue;
      if (holds(d.entries, f, entry) || holds(d.answers, f, entry)) return true;
    }
    return false;
  }

  /**
   * Semantic re-ranking for `query`: weight × (1 + cosine of the query's sentence vector with the entry's centroid),
   * the weight shrunk when the vector covers little of the query; undefined without word vectors or English words.
   */
  private semanticRerank(query: string): SemanticRerank | undefined {
    const { semantic, options: o } = this.data;
    if (semantic === undefined) return undefined;
    const weight = semantic.whitened ? o.semanticWeight : o.semanticPlainWeight;
    if (!(weight > 0)) return undefined;
    const encoded = semantic.encode(query);
    if (encoded === undefined) return undefined;
    const { vector, coverage } = encoded;
    const scale = weight * Math.min(1, coverage / o.semanticCoverageFull);
    return { minShare: o.semanticMinShare, score: (e) => scale * (1 + semantic.similarity(vector, e)) };
  }

  private scorer(): Scorer {
    const { options: o, phrasingMass } = this.data;
    const power = o.coveragePower;
    // Called for every touched phrasing: avoid Math.pow for the usual exponents.
    const shape =
      power === 0 ? () => 1 : power === 1 ? (c: number) => c : power === 1.5 ? (c: number) => c * Math.sqrt(c) : (c: number) => c ** power;
    return {
      phrasing: (p, bm25Score, matched) => bm25Score * shape(matched / phrasingMass[p]),
      entry: (best, whole, answer) => o.phrasingWeight * best + o.entryWeight * whole + o.answerWeight * answer,
    };
  }
}

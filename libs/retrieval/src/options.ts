/** Tunables of {@link RetrievalIndex}; defaults were tuned on the dev splits of the evaluation sets only. */
export interface RetrievalOptions {
  /** BM25 term-frequency saturation for phrasing and answer documents. */
  k1: number;
  /** BM25 length normalisation for phrasing and answer documents. */
  b: number;
  /**
   * Exponent of the phrasing-coverage factor: a phrasing's BM25 score is multiplied by
   * (share of the phrasing's IDF mass the query matched)^coveragePower, so phrasings with important
   * words the query lacks ("virtual card" for "card") rank lower. 0 disables it.
   */
  coveragePower: number;
  /** Weight of the best single phrasing (question or one similar question) of an entry. */
  phrasingWeight: number;
  /** Weight of the whole-entry score: query words weighted by the share of the entry's phrasings holding them. */
  entryWeight: number;
  /** Weight of the answer text; low because an answer talks about more than what its entry is about. */
  answerWeight: number;
  /** Exponent applied to IDF; below 1 flattens the gap between rare and common words. */
  idfPower: number;
  /** Weight of adjacent-word pairs, stop-words included ("how long", "not received"). */
  bigramWeight: number;
  /** Weight of character n-grams inside words, which tolerate typos and unstemmed variants. */
  charGramWeight: number;
  /** Length n of in-word character n-grams (word padded with ^ and $). */
  charGramSize: number;
  /** Shortest word that gets in-word character n-grams. */
  charGramMinLength: number;
  /** Weight of character n-grams across the whole normalised phrase (word boundaries and stop-words included). */
  phraseGramWeight: number;
  /** Length n of phrase character n-grams (1..4: n-grams are keyed by exact 52-bit integers). */
  phraseGramSize: number;
  /** Weight of the shared concept of generic near-synonyms ("buy"/"purchase"). 0 disables the thesaurus. */
  conceptWeight: number;
  /** Weight of stop-words as unigrams (0: they only take part in bigrams and phrase n-grams). */
  stopWordWeight: number;
  /** Weight of single Chinese characters (Chinese words and character bigrams have weight 1). */
  cjkCharWeight: number;
  /**
   * Shortest query word (stemmed) that is corrected to a KB word one typo away when the KB has never seen it
   * ("recieve" → "receive"); 0 disables spelling correction.
   */
  spellingMinLength: number;
  /**
   * Weight of the semantic score, weight × (1 + cosine) between the query's sentence vector and the entry's
   * centroid (SIF-weighted averages of pretrained word vectors, whitened with the KB's within-entry covariance;
   * see SemanticIndex), added to the lexical score divided by the query's best lexical score. 0, or no word
   * vectors installed, leaves ranking purely lexical. English only: Chinese text has no vectors.
   */
  semanticWeight: number;
  /**
   * Semantic weight used instead when the KB has too few phrasings per entry to whiten (e.g. one question per
   * entry): plain cosines of averaged word vectors separate entries less well, so they count less.
   */
  semanticPlainWeight: number;
  /**
   * Semantic re-ranking applies to entries whose lexical score is at least this share of the query's best: a
   * strong, clear lexical match is never overturned by an entry the query hardly shares words with.
   */
  semanticMinShare: number;
  /**
   * Share of a query's (SIF) weight its sentence vector must cover for full semantic weight; below it the weight
   * shrinks in proportion (words without vectors, Chinese characters and codes make a sentence vector less telling).
   */
  semanticCoverageFull: number;
  /** SIF smoothing a: a word of corpus probability p weighs a / (a + p) in a sentence vector. */
  sifA: number;
  /** Shrinkage (0..1) of the within-entry covariance towards the identity; 1 turns whitening off. */
  semanticShrinkage: number;
  /**
   * Weight of soft matches: a query word also matches the KB words nearest to it in the word-vector space, as a
   * feature weighted by this times the words' cosine. 0 disables it: on the evaluation sets it neither helped nor
   * hurt once the semantic score was on (it is kept for KBs whose wording differs more from their customers').
   */
  softWeight: number;
  /** Most KB words one query word is softly matched to. */
  softNeighbors: number;
  /** Least cosine for a soft match. */
  softMinCosine: number;
  /** 1: words the KB has are softly matched to other KB words too; 0: only words the KB lacks. */
  softKnown: number;
}

/** Tuned defaults (dev splits of banking77-en and bitext-customer-support-en, and cross-validation over their KBs). */
export const DEFAULT_OPTIONS: Readonly<RetrievalOptions> = Object.freeze({
  k1: 1.2,
  b: 0.6,
  coveragePower: 1.5,
  phrasingWeight: 1,
  entryWeight: 0.5,
  answerWeight: 0.4,
  idfPower: 0.75,
  bigramWeight: 0.2,
  charGramWeight: 0,
  charGramSize: 3,
  charGramMinLength: 4,
  phraseGramWeight: 0.15,
  phraseGramSize: 4,
  conceptWeight: 0.5,
  stopWordWeight: 0,
  cjkCharWeight: 0.3,
  spellingMinLength: 5,
  semanticWeight: 2,
  semanticPlainWeight: 0.5,
  semanticMinShare: 0.3,
  semanticCoverageFull: 0.6,
  sifA: 0.001,
  semanticShrinkage: 0.3,
  softWeight: 0,
  softNeighbors: 3,
  softMinCosine: 0.5,
  softKnown: 0,
});

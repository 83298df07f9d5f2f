/** Tunables of {@link RetrievalIndex}; defaults were tuned on the dev splits of the evaluation sets. */
export interface RetrievalOptions {
  /** BM25 term-frequency saturation for phrasing and answer documents. */
  k1: number;
  /** BM25 length normalisation for phrasing and answer documents. */
  b: number;
  /** BM25 saturation for the whole-entry document (all phrasings of an entry concatenated). */
  entryK1: number;
  /** BM25 length normalisation for the whole-entry document. */
  entryB: number;
  /** Weight of the best single phrasing (question or a similar question) of an entry. */
  phrasingWeight: number;
  /** Weight of the whole-entry score, which rewards query words spread over several phrasings. */
  entryWeight: number;
  /** Weight of the answer text; low because answers talk about more than what the entry is about. */
  answerWeight: number;
  /** Weight of adjacent content-word pairs ("not received" vs "received"). */
  bigramWeight: number;
  /** Weight of character n-grams of words, which tolerate typos and unstemmed variants. */
  charGramWeight: number;
  /** Length n of character n-grams (word padded with ^ and $). */
  charGramSize: number;
  /** Shortest word that gets character n-grams. */
  charGramMinLength: number;
  /** Weight of stop-words (0 drops them from scoring). */
  stopWordWeight: number;
  /** Weight of single Chinese characters (bigrams and dictionary words have weight 1). */
  cjkCharWeight: number;
  entryMode: number;
  entryGamma: number;
  phrasingMode: number;
  phrasingGamma: number;
  entryNormPower: number;
  secondWeight: number;
  phraseGramWeight: number;
  phraseGramMin: number;
  phraseGramMax: number;
}

/** Tuned defaults. */
export const DEFAULT_OPTIONS: Readonly<RetrievalOptions> = Object.freeze({
  k1: 1.2,
  b: 0.75,
  entryK1: 1.2,
  entryB: 0.75,
  phrasingWeight: 1,
  entryWeight: 0.5,
  answerWeight: 0.1,
  bigramWeight: 0.5,
  charGramWeight: 0.2,
  charGramSize: 3,
  charGramMinLength: 4,
  stopWordWeight: 0,
  cjkCharWeight: 0.3,
  entryMode: 0,
  entryGamma: 1,
  phrasingMode: 0,
  phrasingGamma: 1,
  entryNormPower: 0,
  secondWeight: 0,
  phraseGramWeight: 0,
  phraseGramMin: 3,
  phraseGramMax: 5,
});

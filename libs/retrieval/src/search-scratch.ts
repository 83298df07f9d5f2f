import type { Postings } from './postings.js';

/** One candidate after ranking: its combined score and the phrasing that matched it best. */
export interface RankedEntry {
  readonly entry: number;
  readonly score: number;
  /** Lexical part of the score (equal to `score` without semantic re-ranking). */
  readonly lexical: number;
  /** Best-scoring phrasing of the entry, or -1 when only the answer matched. */
  readonly phrasing: number;
  /** Query weight covered by that phrasing. */
  readonly matched: number;
}

/** Result of {@link SearchScratch.rank}. */
export interface Ranking {
  readonly top: RankedEntry[];
  /** Best lexical score among all entries other than the first of `top` (0 when there is none). */
  readonly lexicalRunnerUp: number;
}

/**
 * Semantic re-ranking: entries whose lexical score is at least `minShare` of the query's best are ranked on
 * (lexical / best lexical) + `score(entry)` (which must be ≥ 0), all others below them on their lexical share.
 */
export interface SemanticRerank {
  readonly minShare: number;
  score(entry: number): number;
}

/** How per-field scores become one entry score; supplied by the index from its options. */
export interface Scorer {
  /** Final score of a phrasing from its BM25 score and the query weight it matched. */
  phrasing(phrasing: number, bm25: number, matched: number): number;
  /** Entry score from its best phrasing, whole-entry and answer scores. */
  entry(bestPhrasing: number, wholeEntry: number, answer: number): number;
}

/**
 * Per-index accumulators reused across searches. Only slots touched by the previous query are cleared,
 * so a query costs time proportional to its posting lists, not to the size of the KB.
 */
export class SearchScratch {
  readonly entryScore: Float64Array;
  readonly answerScore: Float64Array;
  /** Lexical score of each touched entry in the current ranking. */
  private readonly lexical: Float64Array;
  private readonly phrasingScore: Float64Array;
  private readonly phrasingMatched: Float64Array;
  private readonly phrasingSeen: Uint8Array;
  private readonly touchedPhrasings: Int32Array;
  private touchedPhrasingCount = 0;
  private readonly entrySeen: Uint8Array;
  private readonly touchedEntries: Int32Array;
  private touchedEntryCount = 0;
  private readonly bestScore: Float64Array;
  private readonly bestPhrasing: Int32Array;

  constructor(entryCount: number, phrasingCount: number) {
    this.entryScore = new Float64Array(entryCount);
    this.answerScore = new Float64Array(entryCount);
    this.lexical = new Float64Array(entryCount);
    this.entrySeen = new Uint8Array(entryCount);
    this.touchedEntries = new Int32Array(entryCount);
    this.bestScore = new Float64Array(entryCount);
    this.bestPhrasing = new Int32Array(entryCount).fill(-1);
    this.phrasingScore = new Float64Array(phrasingCount);
    this.phrasingMatched = new Float64Array(phrasingCount);
    this.phrasingSeen = new Uint8Array(phrasingCount);
    this.touchedPhrasings = new Int32Array(phrasingCount);
  }

  /** Clear what the previous query touched. */
  reset(): void {
    for (let i = 0; i < this.touchedPhrasingCount; i++) {
      const p = this.touchedPhrasings[i];
      this.phrasingScore[p] = 0;
      this.phrasingMatched[p] = 0;
      this.phrasingSeen[p] = 0;
    }
    for (let i = 0; i < this.touchedEntryCount; i++) {
      const e = this.touchedEntries[i];
      this.entryScore[e] = 0;
      this.answerScore[e] = 0;
      this.bestScore[e] = 0;
      this.bestPhrasing[e] = -1;
      this.entrySeen[e] = 0;
    }
    this.touchedPhrasingCount = 0;
    this.touchedEntryCount = 0;
  }

  /** Add feature f's contribution (query weight qw) to every phrasing holding it. */
  addPhrasings(postings: Postings, f: number, qw: number): void {
    const { docs, weights } = postings;
    for (let i = postings.offsets[f], end = postings.offsets[f + 1]; i < end; i++) {
      const p = docs[i];
      if (this.phrasingSeen[p] === 0) {
        this.phrasingSeen[p] = 1;
        this.touchedPhrasings[this.touchedPhrasingCount++] = p;
      }
      this.phrasingScore[p] += qw * weights[i];
      this.phrasingMatched[p] += qw;
    }
  }

  /** Add feature f's contribution to an entry-level accumulator (whole-entry or answer field). */
  addEntries(postings: Postings, f: number, qw: number, target: Float64Array): void {
    const { docs, weights } = postings;
    for (let i = postings.offsets[f], end = postings.offsets[f + 1]; i < end; i++) {
      const e = docs[i];
      this.touchEntry(e);
      target[e] += qw * weights[i];
    }
  }

  /** Top k entries by combined score, ties broken by id rank (lower first); see {@link SemanticRerank}. */
  rank(phrasingEntry: Int32Array, idRank: Int32Array, k: number, scorer: Scorer, semantic?: SemanticRerank): Ranking {
    for (let i = 0; i < this.touchedPhrasingCount; i++) {
      const p = this.touchedPhrasings[i];
      const e = phrasingEntry[p];
      this.touchEntry(e);
      const best = this.bestPhrasing[e];
      // Coverage only lowers a BM25 score, so a phrasing whose raw score cannot beat the best is skipped.
      if (best >= 0 && this.phrasingScore[p] < this.bestScore[e]) continue;
      const s = scorer.phrasing(p, this.phrasingScore[p], this.phrasingMatched[p]);
      if (best < 0 || s > this.bestScore[e] || (s === this.bestScore[e] && p < best)) {
        this.bestScore[e] = s;
        this.bestPhrasing[e] = p;
      }
    }
    // Lexical scores, and the best two of them (for the margin of the final top hit).
    const lexical = this.lexical;
    let bestLexical = 0;
    let secondLexical = 0;
    let bestLexicalEntry = -1;
    for (let i = 0; i < this.touchedEntryCount; i++) {
      const e = this.touchedEntries[i];
      const score = scorer.entry(this.bestScore[e], this.entryScore[e], this.answerScore[e]);
      lexical[e] = score;
      if (score > bestLexical) {
        secondLexical = bestLexical;
        bestLexical = score;
        bestLexicalEntry = e;
      } else if (score > secondLexical) secondLexical = score;
    }
    // Insertion into a small sorted array: k is tiny, and most candidates fail the first comparison.
    const topEntries: number[] = [];
    const topScores: number[] = [];
    for (let i = 0; i < this.touchedEntryCount; i++) {
      const e = this.touchedEntries[i];
      let score = lexical[e];
      if (!(score > 0)) continue;
      if (semantic !== undefined) {
        score /= bestLexical;
        if (score >= semantic.minShare) score += semantic.score(e);
      }
      let at = topEntries.length;
      while (at > 0 && isBetter(score, idRank[e], topScores[at - 1], idRank[topEntries[at - 1]])) at--;
      if (at >= k) continue;
      topEntries.splice(at, 0, e);
      topScores.splice(at, 0, score);
      if (topEntries.length > k) {
        topEntries.pop();
        topScores.pop();
      }
    }
    const top = topEntries.map((entry, i) => {
      const phrasing = this.bestPhrasing[entry];
      return {
        entry,
        score: topScores[i],
        lexical: lexical[entry],
        phrasing,
        matched: phrasing >= 0 ? this.phrasingMatched[phrasing] : 0,
      };
    });
    const lexicalRunnerUp = top.length > 0 && top[0].entry !== bestLexicalEntry ? bestLexical : secondLexical;
    return { top, lexicalRunnerUp };
  }

  private touchEntry(e: number): void {
    if (this.entrySeen[e] === 0) {
      this.entrySeen[e] = 1;
      this.touchedEntries[this.touchedEntryCount++] = e;
    }
  }
}

function isBetter(score: number, rank: number, otherScore: number, otherRank: number): boolean {
  return score > otherScore || (score === otherScore && rank < otherRank);
}

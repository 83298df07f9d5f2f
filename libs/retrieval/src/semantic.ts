import { analyze, expandContractions, normalizeText } from './analyzer.js';
import { CONTRACTIONS } from './stop-words.js';
import type { WordVectors } from './word-vectors.js';

/** Tunables of the sentence embeddings (subset of the index options). */
export interface SemanticSettings {
  /** SIF smoothing a: a word of corpus probability p weighs a / (a + p). */
  readonly sifA: number;
  /** Shrinkage of the within-entry covariance towards a multiple of the identity (0..1); 1 disables whitening. */
  readonly shrinkage: number;
  /** Most KB words a query word is softly matched to. */
  readonly softNeighbors: number;
  /** Least cosine between a query word and a KB word for a soft match. */
  readonly softMinCosine: number;
  /** Whether words the KB knows are also softly matched to other KB words (else only unknown words are). */
  readonly softKnown: boolean;
}

/** KB words near a query word: feature ids and cosines, best first. */
export interface SoftMatches {
  readonly ids: readonly number[];
  readonly cosines: readonly number[];
}

const SOFT_CACHE_LIMIT = 20_000;
// Zipf's law over GloVe's 400k-word vocabulary: p(rank r) ≈ 1 / (r · (ln 400000 + γ)).
const ZIPF_NORMALIZER = Math.log(400_000) + 0.5772;
const CJK_CHARS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu;
/** A Chinese character counts as half a rare word when measuring how much of a text its vector covers. */
const CJK_CHAR_WEIGHT = 0.5;
const LATIN_WORD = /\p{Script=Latin}+(?:'\p{Script=Latin}+)?/gu;
/** Whitening needs at least this many residuals (phrasing minus its entry's mean) per dimension. */
const MIN_RESIDUALS_PER_DIMENSION = 2;
/** Residuals used to estimate the covariance; a sample keeps large KBs fast to build. */
const MAX_RESIDUALS = 2000;

/** Lowercase English words of a text as the vectors know them (contractions expanded, Chinese ignored). */
export function embeddingWords(text: string): string[] {
  const out: string[] = [];
  for (const match of expandContractions(normalizeText(text)).matchAll(LATIN_WORD)) {
    const expanded = CONTRACTIONS.get(match[0]);
    if (expanded === undefined) out.push(match[0]);
    else for (const part of expanded.split(' ')) out.push(part);
  }
  return out;
}

function normalize(v: Float32Array | Float64Array): boolean {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i] * v[i];
  if (!(norm > 0)) return false;
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i] *= inv;
  return true;
}

/** Lower-triangular Cholesky factor (row-major d×d) of a symmetric positive-definite matrix; undefined if not SPD. */
function cholesky(a: Float64Array, d: number): Float64Array | undefined {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * d + j];
      for (let k = 0; k < j; k++) sum -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(sum > 0)) return undefined;
        l[i * d + i] = Math.sqrt(sum);
      } else l[i * d + j] = sum / l[j * d + j];
    }
  }
  return l;
}

/**
 * Sentence vectors for an index. A text's vector is the SIF-weighted sum of its words' vectors (frequent words
 * count little), made unit length, centred on the KB's mean and whitened with the KB's within-entry covariance:
 * directions in which phrasings of one entry vary (wording) are shrunk, directions that separate entries are
 * stretched — a linear discriminant learned from the KB's own phrasings, with no training loop. Each entry is
 * represented by its whitened centroid; the score of an entry is the cosine between it and the query's vector.
 */
export class SemanticIndex {
  readonly dimensions: number;
  /**
   * Whitened unit centroid per entry (zero when none of its phrasings has a vector), whitened on first use (see
   * similarity): a 10,000-entry KB's build does not pay ~50 M multiply-adds for entries no query comes near.
   */
  private readonly centroids: Float32Array;
  /** 1 once an entry's centroid is whitened; until then it holds the entry's unwhitened mean. */
  private readonly centroidReady: Uint8Array;
  private readonly perEntry: Int32Array;
  private readonly scratch: Float64Array;
  private readonly mean: Float64Array;
  /** Cholesky factor L of the shrunk covariance S (whitening is x ↦ L⁻¹x); undefined: centring only. */
  private readonly factor: Float64Array | undefined;
  /** Whether the KB had enough phrasings per entry to whiten (unwhitened cosines separate entries less well). */
  readonly whitened: boolean;
  /** Feature ids of the KB's English words that have vectors, and their unit vectors (mean over surface forms). */
  private readonly termIds: Int32Array;
  private readonly termVectors: Float32Array;
  private readonly softCache = new Map<string, SoftMatches>();

  constructor(
    private readonly vectors: WordVectors,
    private readonly settings: SemanticSettings,
    phrasingTexts: readonly string[],
    phrasingEntry: Int32Array,
    entryCount: number,
    termId: (term: string) => number,
  ) {
    const d = (this.dimensions = vectors.dimensions);
    const phrasings = phrasingTexts.length;
    const unit = new Float32Array(phrasings * d);
    const has = new Uint8Array(phrasings);
    const perEntry = new Int32Array(entryCount);
    const entryMean = new Float64Array(entryCount * d);
    const mean = (this.mean = new Float64Array(d));
    let withVector = 0;
    for (let p = 0; p < phrasings; p++) {
      const v = unit.subarray(p * d, (p + 1) * d);
      if (this.average(phrasingTexts[p], v) === 0 || !normalize(v)) continue;
      has[p] = 1;
      withVector++;
      const e = phrasingEntry[p];
      perEntry[e]++;
      for (let i = 0; i < d; i++) {
        entryMean[e * d + i] += v[i];
        mean[i] += v[i];
      }
    }
    if (withVector > 0) for (let i = 0; i < d; i++) mean[i] /= withVector;
    for (let e = 0; e < entryCount; e++) {
      if (perEntry[e] > 0) for (let i = 0; i < d; i++) entryMean[e * d + i] /= perEntry[e];
    }
    this.factor = this.whitening(unit, has, phrasingEntry, perEntry, entryMean);
    this.whitened = this.factor !== undefined;

    this.perEntry = perEntry;
    this.scratch = new Float64Array(d);
    this.centroidReady = new Uint8Array(entryCount);
    this.centroids = new Float32Array(entryMean);

    const terms = settings.softNeighbors > 0 ? this.termVectorsOf(phrasingTexts, termId) : undefined;
    this.termIds = terms?.ids ?? new Int32Array(0);
    this.termVectors = terms?.vectors ?? new Float32Array(0);
  }

  /** Unit vector of each KB word (stem): the mean of the vectors of its surface forms in the phrasings. */
  private termVectorsOf(
    phrasingTexts: readonly string[],
    termId: (term: string) => number,
  ): { ids: Int32Array; vectors: Float32Array } {
    const { vectors, dimensions: d } = this;
    const sums = new Map<number, Float32Array>();
    for (const text of phrasingTexts) {
      for (const word of embeddingWords(text)) {
        const row = vectors.row(word);
        if (row < 0) continue;
        for (const token of analyze(word)) {
          if (token.kind !== 'word') continue;
          const id = termId(token.term);
          if (id < 0) continue;
          let sum = sums.get(id);
          if (sum === undefined) sums.set(id, (sum = new Float32Array(d)));
          for (let i = 0; i < d; i++) sum[i] += vectors.data[row * d + i];
        }
      }
    }
    const ids = new Int32Array(sums.size);
    const out = new Float32Array(sums.size * d);
    let t = 0;
    for (const [id, sum] of sums) {
      normalize(sum);
      ids[t] = id;
      out.set(sum, t * d);
      t++;
    }
    return { ids, vectors: out };
  }

  /**
   * Cholesky factor of the within-entry covariance, shrunk towards (trace / d)·I; undefined when the KB has too
   * few phrasings per entry to estimate it (e.g. one question per entry), and then vectors are only centred.
   */
  private whitening(
    unit: Float32Array,
    has: Uint8Array,
    phrasingEntry: Int32Array,
    perEntry: Int32Array,
    entryMean: Float64Array,
  ): Float64Array | undefined {
    const d = this.dimensions;
    const s = this.settings.shrinkage;
    if (!(s < 1)) return undefined;
    const residuals: number[] = [];
    for (let p = 0; p < has.length; p++) if (has[p] && perEntry[phrasingEntry[p]] > 1) residuals.push(p);
    if (residuals.length < MIN_RESIDUALS_PER_DIMENSION * d) return undefined;
    const step = Math.max(1, residuals.length / MAX_RESIDUALS);
    const cov = new Float64Array(d * d);
    const r = new Float64Array(d);
    let count = 0;
    for (let at = 0; at < residuals.length; at += step) {
      const p = residuals[Math.floor(at)];
      const e = phrasingEntry[p];
      // Unbiased within-entry deviation: an entry with k phrasings loses one degree of freedom to its mean.
      const scale = Math.sqrt(perEntry[e] / (perEntry[e] - 1));
      for (let i = 0; i < d; i++) r[i] = (unit[p * d + i] - entryMean[e * d + i]) * scale;
      for (let i = 0; i < d; i++) {
        const ri = r[i];
        for (let j = 0; j <= i; j++) cov[i * d + j] += ri * r[j];
      }
      count++;
    }
    let trace = 0;
    for (let i = 0; i < d; i++) trace += cov[i * d + i] / count;
    const ridge = (s * trace) / d;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        const v = ((1 - s) * cov[i * d + j]) / count + (i === j ? ridge : 0);
        cov[i * d + j] = v;
        cov[j * d + i] = v;
      }
    }
    return cholesky(cov, d);
  }

  /** Cosine between a query's vector (from encode) and entry `e`'s whitened centroid; 0 for an entry without one. */
  similarity(query: Float32Array, e: number): number {
    const d = this.dimensions;
    if (this.centroidReady[e] === 0) {
      this.centroidReady[e] = 1;
      const v = this.scratch;
      for (let i = 0; i < d; i++) v[i] = this.centroids[e * d + i]!;
      if (this.perEntry[e]! > 0 && this.transform(v)) this.centroids.set(v, e * d);
      else this.centroids.fill(0, e * d, (e + 1) * d);
    }
    return dotRow(query, this.centroids, e);
  }

  /** Centre, whiten (solve L·y = x) and normalise in place; false for a zero vector. */
  private transform(v: Float64Array): boolean {
    const d = this.dimensions;
    for (let i = 0; i < d; i++) v[i] -= this.mean[i];
    const l = this.factor;
    if (l !== undefined) {
      for (let i = 0; i < d; i++) {
        let sum = v[i];
        for (let k = 0; k < i; k++) sum -= l[i * d + k] * v[k];
        v[i] = sum / l[i * d + i];
      }
    }
    return normalize(v);
  }

  /**
   * SIF-weighted sum of the word vectors of `text` into `out`. Returns the share of the text's weight that has
   * vectors (0 when none): words without a vector, and Chinese characters, count as rare words, so a sentence
   * vector built from two known words out of ten is trusted accordingly.
   */
  private average(text: string, out: Float32Array | Float64Array): number {
    const { vectors, settings } = this;
    const data = vectors.data;
    const d = this.dimensions;
    const a = settings.sifA;
    let known = 0;
    let total = 0;
    for (const word of embeddingWords(text)) {
      const row = vectors.row(word);
      if (row < 0) {
        total += 1;
        continue;
      }
      const p = 1 / ((row + 1) * ZIPF_NORMALIZER);
      const w = a / (a + p);
      const o = row * d;
      for (let i = 0; i < d; i++) out[i] += w * data[o + i];
      known += w;
      total += w;
    }
    if (known === 0) return 0;
    const cjk = text.match(CJK_CHARS)?.length ?? 0;
    return known / (total + CJK_CHAR_WEIGHT * cjk);
  }

  /**
   * Unit whitened sentence vector of a query with the share of its weight the vector covers, or undefined when
   * none of its words has a vector.
   */
  encode(text: string): { vector: Float32Array; coverage: number } | undefined {
    const v = new Float64Array(this.dimensions);
    const coverage = this.average(text, v);
    if (coverage === 0 || !normalize(v) || !this.transform(v)) return undefined;
    return { vector: Float32Array.from(v), coverage };
  }

  /**
   * Soft matches of the query's English content words: for each word, the KB words whose vectors are nearest
   * (cosine at least `softMinCosine`), as feature id → best cosine. `termId` resolves a query word's stem
   * (after spelling correction) so that words the KB already has keep their exact match only, unless softKnown.
   */
  softMatches(query: string, termId: (term: string) => number): Map<number, number> {
    const out = new Map<number, number>();
    const { settings } = this;
    if (settings.softNeighbors <= 0 || this.termIds.length === 0) return out;
    for (const word of embeddingWords(query)) {
      let own = -1;
      let content = false;
      for (const token of analyze(word)) {
        if (token.kind !== 'word') continue;
        content = true;
        own = termId(token.term);
      }
      if (!content || (own >= 0 && !settings.softKnown)) continue;
      const matches = this.neighbours(word);
      if (matches === undefined) continue;
      for (let i = 0; i < matches.ids.length; i++) {
        const id = matches.ids[i];
        if (id === own) continue;
        if ((out.get(id) ?? 0) < matches.cosines[i]) out.set(id, matches.cosines[i]);
      }
    }
    return out;
  }

  private neighbours(word: string): SoftMatches | undefined {
    const cached = this.softCache.get(word);
    if (cached !== undefined) return cached;
    const row = this.vectors.row(word);
    if (row < 0) return undefined;
    const d = this.dimensions;
    const q = this.vectors.data.slice(row * d, (row + 1) * d);
    if (!normalize(q)) return undefined;
    const { softNeighbors: k, softMinCosine: min } = this.settings;
    const ids: number[] = [];
    const cosines: number[] = [];
    for (let t = 0; t < this.termIds.length; t++) {
      const c = dotRow(q, this.termVectors, t);
      if (c < min || (cosines.length >= k && c <= cosines[cosines.length - 1])) continue;
      let at = cosines.length;
      while (at > 0 && cosines[at - 1] < c) at--;
      ids.splice(at, 0, this.termIds[t]);
      cosines.splice(at, 0, c);
      if (ids.length > k) {
        ids.pop();
        cosines.pop();
      }
    }
    const matches = { ids, cosines };
    if (this.softCache.size >= SOFT_CACHE_LIMIT) this.softCache.clear();
    this.softCache.set(word, matches);
    return matches;
  }
}

/** Dot product of `q` with row `row` of `m`. */
export function dotRow(q: Float32Array, m: Float32Array, row: number): number {
  const d = q.length;
  const o = row * d;
  let s = 0;
  for (let i = 0; i < d; i++) s += q[i] * m[o + i];
  return s;
}

/**
 * Compressed-row (CSR) inverted lists: for feature f, documents `docs[offsets[f] .. offsets[f+1])` with their
 * precomputed term weights. Typed arrays keep a 10k-entry index compact and make the scoring loop branch-free.
 */
export interface Postings {
  readonly offsets: Int32Array;
  readonly docs: Int32Array;
  readonly weights: Float32Array;
}

/** Collects (feature, doc, tf) triples in any order, then packs them feature-major. */
export class PostingsBuilder {
  private readonly features: number[] = [];
  private readonly docs: number[] = [];
  private readonly tfs: number[] = [];
  private readonly docLengths: number[] = [];

  /** Register one document's features; returns the document number. */
  addDocument(counts: ReadonlyMap<number, number>, length: number): number {
    const doc = this.docLengths.length;
    this.docLengths.push(length);
    for (const [feature, tf] of counts) {
      this.features.push(feature);
      this.docs.push(doc);
      this.tfs.push(tf);
    }
    return doc;
  }

  get documentCount(): number {
    return this.docLengths.length;
  }

  /** Pack with BM25 term-frequency saturation and length normalisation folded into each weight. */
  build(featureCount: number, k1: number, b: number, weigh?: (tf: number, length: number) => number): Postings {
    const n = this.features.length;
    const offsets = new Int32Array(featureCount + 1);
    for (let i = 0; i < n; i++) offsets[this.features[i] + 1]++;
    for (let f = 0; f < featureCount; f++) offsets[f + 1] += offsets[f];
    const cursor = offsets.slice(0, featureCount);
    const docs = new Int32Array(n);
    const weights = new Float32Array(n);
    let total = 0;
    for (const len of this.docLengths) total += len;
    const avg = total / Math.max(1, this.docLengths.length) || 1;
    for (let i = 0; i < n; i++) {
      const doc = this.docs[i];
      const tf = this.tfs[i];
      const norm = k1 * (1 - b + (b * this.docLengths[doc]) / avg);
      const at = cursor[this.features[i]]++;
      docs[at] = doc;
      weights[at] = weigh ? weigh(tf, this.docLengths[doc]) : (tf * (k1 + 1)) / (tf + norm);
    }
    return { offsets, docs, weights };
  }
}

/** Number of documents holding feature f (its document frequency). */
export function documentFrequency(postings: Postings, feature: number): number {
  return postings.offsets[feature + 1] - postings.offsets[feature];
}

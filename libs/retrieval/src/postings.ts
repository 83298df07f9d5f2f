/**
 * Compressed-row (CSR) inverted lists: for feature f, documents `docs[offsets[f] .. offsets[f+1])` with their
 * precomputed term weights. Typed arrays keep a 10k-entry index compact and the scoring loop tight.
 */
export interface Postings {
  readonly offsets: Int32Array;
  readonly docs: Int32Array;
  readonly weights: Float32Array;
}

/** Per-posting weight from the term frequency and the document's length (and the average length). */
export type PostingWeight = (tf: number, length: number, averageLength: number) => number;

/** Collects (feature, doc, tf) triples document by document, then packs them feature-major. */
export class PostingsBuilder {
  // Flat growable typed buffers: millions of triples for a large KB, so no per-triple objects or boxing.
  private features = new Int32Array(1024);
  private docs = new Int32Array(1024);
  private tfs = new Uint16Array(1024);
  private size = 0;
  private readonly docLengths: number[] = [];

  /** Register one document: its distinct feature ids with their term frequencies, and its length. */
  addDocument(features: readonly number[], tfs: readonly number[], length: number): void {
    const doc = this.docLengths.length;
    this.docLengths.push(length);
    if (this.size + features.length > this.features.length) this.grow(this.size + features.length);
    for (let i = 0; i < features.length; i++) {
      this.features[this.size] = features[i];
      this.docs[this.size] = doc;
      this.tfs[this.size] = Math.min(tfs[i], 0xffff);
      this.size++;
    }
  }

  /** Pack into CSR form; documents stay in insertion order inside each list. */
  build(featureCount: number, weigh: PostingWeight): Postings {
    const n = this.size;
    const offsets = new Int32Array(featureCount + 1);
    for (let i = 0; i < n; i++) offsets[this.features[i] + 1]++;
    for (let f = 0; f < featureCount; f++) offsets[f + 1] += offsets[f];
    const cursor = offsets.slice(0, featureCount);
    const docs = new Int32Array(n);
    const weights = new Float32Array(n);
    let total = 0;
    for (const length of this.docLengths) total += length;
    const average = total / Math.max(1, this.docLengths.length) || 1;
    for (let i = 0; i < n; i++) {
      const doc = this.docs[i];
      const at = cursor[this.features[i]]++;
      docs[at] = doc;
      weights[at] = weigh(this.tfs[i], this.docLengths[doc], average);
    }
    return { offsets, docs, weights };
  }

  private grow(minimum: number): void {
    const capacity = Math.max(minimum, this.features.length * 2);
    const features = new Int32Array(capacity);
    const docs = new Int32Array(capacity);
    const tfs = new Uint16Array(capacity);
    features.set(this.features);
    docs.set(this.docs);
    tfs.set(this.tfs);
    this.features = features;
    this.docs = docs;
    this.tfs = tfs;
  }
}

/** Number of documents holding feature f (its document frequency). */
export function documentFrequency(postings: Postings, feature: number): number {
  return postings.offsets[feature + 1] - postings.offsets[feature];
}

/** Whether document `doc` holds feature f (lists are in ascending document order: binary search). */
export function holds(postings: Postings, feature: number, doc: number): boolean {
  const { docs } = postings;
  let lo = postings.offsets[feature];
  let hi = postings.offsets[feature + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = docs[mid];
    if (at === doc) return true;
    if (at < doc) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

import { FeatureClass, featureClass } from './features.js';
import { GramEncoder } from './gram-encoder.js';
import { NumericMap } from './numeric-map.js';

const PAIR_RADIX = 2 ** 26;

/**
 * The index's vocabulary: assigns dense feature ids while building, and only looks them up once frozen.
 * Word bigrams and phrase n-grams are keyed by integers (pairs of token codes, encoded characters) rather
 * than by strings, because they are the bulk of all features and string keys would be built and hashed
 * millions of times for a large KB.
 */
export class FeatureKeys {
  private readonly strings = new Map<string, number>();
  private readonly grams = new NumericMap();
  private readonly pairs = new NumericMap();
  private readonly tokenCodes = new Map<string, number>();
  private readonly classes: number[] = [];
  private readonly encoder: GramEncoder;
  private frozen = false;

  constructor(gramSize: number) {
    this.encoder = new GramEncoder(gramSize);
  }

  /** Number of feature ids handed out. */
  get size(): number {
    return this.classes.length;
  }

  /** Feature class of an id. */
  classOf(id: number): FeatureClass {
    return this.classes[id] as FeatureClass;
  }

  /** Stop creating ids: lookups of unknown keys return -1 from now on. */
  freeze(): void {
    this.frozen = true;
    this.encoder.freeze();
  }

  /** Every class-prefixed string feature with its id. */
  stringFeatures(): IterableIterator<[string, number]> {
    return this.strings.entries();
  }

  /** Id of a class-prefixed string feature (term, stop-word, concept, character). */
  stringId(key: string): number {
    const id = this.strings.get(key);
    if (id !== undefined) return id;
    if (this.frozen) return -1;
    const created = this.newId(featureClass(key));
    this.strings.set(key, created);
    return created;
  }

  /** Id of the bigram of two adjacent token terms. */
  pairId(first: string, second: string): number {
    const a = this.tokenCode(first);
    const b = this.tokenCode(second);
    if (a < 0 || b < 0) return -1;
    return this.numericId(this.pairs, a * PAIR_RADIX + b, FeatureClass.WordBigram);
  }

  /** Calls `emit` with the id (or -1 when unknown to a frozen vocabulary) of every n-gram of `phrase`. */
  forEachGramId(phrase: string, emit: (id: number) => void): void {
    this.encoder.forEach(phrase, (key) => emit(key < 0 ? -1 : this.numericId(this.grams, key, FeatureClass.PhraseGram)));
  }

  private tokenCode(term: string): number {
    const code = this.tokenCodes.get(term);
    if (code !== undefined) return code;
    if (this.frozen || this.tokenCodes.size >= PAIR_RADIX) return -1;
    this.tokenCodes.set(term, this.tokenCodes.size);
    return this.tokenCodes.size - 1;
  }

  private numericId(map: NumericMap, key: number, featureClass: FeatureClass): number {
    const id = map.get(key);
    if (id >= 0 || this.frozen) return id;
    const created = this.newId(featureClass);
    map.insert(key, created);
    return created;
  }

  private newId(featureClass: FeatureClass): number {
    this.classes.push(featureClass);
    return this.classes.length - 1;
  }
}

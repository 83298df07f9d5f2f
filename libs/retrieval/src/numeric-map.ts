/**
 * Open-addressing hash map from non-negative integer keys (< 2^53) to non-negative int32 values.
 * Used for encoded character n-grams: millions of lookups per large KB, where a built-in Map with
 * non-small-integer keys is several times slower.
 */
export class NumericMap {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.keys = new Float64Array(size).fill(-1);
    this.values = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Number of keys stored. */
  get size(): number {
    return this.count;
  }

  /** Value stored under `key`, or -1. */
  get(key: number): number {
    for (let i = this.slotOf(key); ; i = (i + 1) & this.mask) {
      const k = this.keys[i];
      if (k === key) return this.values[i];
      if (k === -1) return -1;
    }
  }

  /** Store `value` under `key` (which must not be present yet). */
  insert(key: number, value: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.rehash();
    let i = this.slotOf(key);
    while (this.keys[i] !== -1) i = (i + 1) & this.mask;
    this.keys[i] = key;
    this.values[i] = value;
    this.count++;
  }

  /** Calls `fn` for every entry, in slot order. */
  forEach(fn: (value: number, key: number) => void): void {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== -1) fn(this.values[i], this.keys[i]);
  }

  private slotOf(key: number): number {
    const low = key % 0x4000000;
    const high = (key - low) / 0x4000000;
    const h = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b);
    return (h ^ (h >>> 15)) & this.mask;
  }

  private rehash(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Float64Array(oldKeys.length * 2).fill(-1);
    this.values = new Int32Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== -1) this.insert(oldKeys[i], oldValues[i]);
  }
}

const BITS = 13;
const RADIX = 1 << BITS;
/** Code reserved for characters beyond the table's capacity (they share it: rare, and only blurs n-grams). */
const OVERFLOW = RADIX - 1;
/** n-grams up to this length fit exactly in a double (4 × 13 = 52 bits). */
export const MAX_GRAM_SIZE = 4;

/**
 * Encodes character n-grams as exact integers, so the hottest indexing loop allocates no strings.
 * Each index owns one encoder: characters get compact codes in order of first appearance while building;
 * at query time the encoder is frozen and n-grams with a character the KB never used cannot match.
 */
export class GramEncoder {
  // Code unit → compact code (0: not assigned yet). A flat table: this runs once per character indexed.
  private readonly codes = new Int32Array(0x10000);
  private assigned = 0;
  private frozen = false;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1 || size > MAX_GRAM_SIZE) {
      throw new RangeError(`n-gram size must be an integer in 1..${MAX_GRAM_SIZE}`);
    }
  }

  /** Stop assigning codes (call once the index is built). */
  freeze(): void {
    this.frozen = true;
  }

  /**
   * Calls `emit` with the key of every n-gram of `phrase` (UTF-16 code units), in order; an n-gram holding a
   * character unknown to a frozen encoder is reported as -1.
   */
  forEach(phrase: string, emit: (key: number) => void): void {
    const window = RADIX ** (this.size - 1);
    let key = 0;
    let unknownUntil = -1;
    for (let i = 0; i < phrase.length; i++) {
      const code = this.codeOf(phrase.charCodeAt(i));
      if (code < 0) unknownUntil = i + this.size - 1;
      key = (key % window) * RADIX + Math.max(code, 0);
      if (i + 1 >= this.size) emit(i <= unknownUntil ? -1 : key);
    }
  }

  private codeOf(unit: number): number {
    const known = this.codes[unit];
    if (known !== 0) return known;
    if (this.frozen) return -1;
    const code = Math.min(++this.assigned, OVERFLOW);
    this.codes[unit] = code;
    return code;
  }
}

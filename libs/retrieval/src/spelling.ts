/**
 * Corrects a word the knowledge base has never seen to a known word one typo away: one inserted, deleted or
 * substituted letter, or two adjacent letters swapped ("recieve" → "receive", "acount" → "account"). Without it
 * a single typo loses the word entirely. Lookups use the symmetric-delete scheme: every known word is filed under
 * itself and each of its one-letter deletions, so a correction costs a few Map probes whatever the vocabulary size.
 *
 * Deliberately conservative, because a wrong correction can change the meaning: the first letter must match
 * (typos there are rare, while real words differing only there are common: "close"/"lose", "sever"/"never"), and
 * short words are left alone.
 */
export class SpellingCorrector {
  private readonly byDeletion = new Map<string, number[]>();

  /**
   * @param words known words
   * @param frequency how common each word is; the most common candidate wins
   * @param minLength shorter words are never corrected (they have too many neighbours one edit away)
   */
  constructor(
    private readonly words: readonly string[],
    private readonly frequency: readonly number[],
    private readonly minLength: number,
  ) {
    words.forEach((word, i) => {
      for (const key of deletions(word)) {
        const list = this.byDeletion.get(key);
        if (list === undefined) this.byDeletion.set(key, [i]);
        else if (list[list.length - 1] !== i) list.push(i);
      }
    });
  }

  /** The most frequent known word one typo away from `word` (ties: first known), or undefined. */
  correct(word: string): string | undefined {
    if (word.length < this.minLength) return undefined;
    let best = -1;
    for (const key of deletions(word)) {
      const list = this.byDeletion.get(key);
      if (list === undefined) continue;
      for (const i of list) {
        if (i === best || this.words[i][0] !== word[0] || !withinOneTypo(word, this.words[i])) continue;
        if (best < 0 || this.frequency[i] > this.frequency[best] || (this.frequency[i] === this.frequency[best] && i < best)) best = i;
      }
    }
    return best >= 0 ? this.words[best] : undefined;
  }
}

/** The word itself and each of its one-letter deletions. */
function deletions(word: string): string[] {
  const out = [word];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}

/** True when `a` and `b` differ by at most one insertion, deletion, substitution or adjacent swap. */
export function withinOneTypo(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

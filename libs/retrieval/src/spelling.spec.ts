import { describe, expect, it } from '@jest/globals';
import { RetrievalIndex } from './retrieval-index.js';
import { SpellingCorrector, withinOneTypo } from './spelling.js';
import { ENGLISH_KB } from './test-fixtures.js';

describe('withinOneTypo', () => {
  it.each([
    ['receiv', 'reciev'],
    ['account', 'acount'],
    ['account', 'acxcount'],
    ['payment', 'paymnt'],
    ['order', 'oredr'],
    ['card', 'card'],
  ])('accepts %s / %s', (a, b) => {
    expect(withinOneTypo(a, b)).toBe(true);
    expect(withinOneTypo(b, a)).toBe(true);
  });

  it.each([
    ['account', 'acnuoct'],
    ['refund', 'refunded'],
    ['transfer', 'transform'],
  ])('rejects %s / %s', (a, b) => expect(withinOneTypo(a, b)).toBe(false));
});

describe('SpellingCorrector', () => {
  const corrector = new SpellingCorrector(['receiv', 'account', 'lose', 'never', 'refund', 'refuel'], [5, 9, 3, 2, 4, 1], 5);

  it('corrects one typo to the most frequent known word', () => {
    expect(corrector.correct('reciev')).toBe('receiv');
    expect(corrector.correct('acount')).toBe('account');
    expect(corrector.correct('refund')).toBe('refund');
    expect(corrector.correct('refuns')).toBe('refund');
  });

  it('leaves short words, other first letters and distant words alone', () => {
    expect(corrector.correct('lsoe')).toBeUndefined();
    expect(corrector.correct('sever')).toBeUndefined();
    expect(corrector.correct('close')).toBeUndefined();
    expect(corrector.correct('xyzzyq')).toBeUndefined();
  });
});

describe('RetrievalIndex spelling correction', () => {
  it('finds entries despite a typo in a word the KB knows', () => {
    const index = RetrievalIndex.build(ENGLISH_KB);
    expect(index.search('my refnud is not showing on my statment')[0]?.id).toBe('refund-status');
    expect(index.search('how do I activte my new card')[0]?.id).toBe('activate-card');
  });

  it('can be switched off', () => {
    const query = 'please canecl my ordr';
    const corrected = RetrievalIndex.build(ENGLISH_KB).search(query)[0];
    const uncorrected = RetrievalIndex.build(ENGLISH_KB, { spellingMinLength: 0 }).search(query)[0];
    expect(corrected?.id).toBe('cancel-order');
    expect(uncorrected?.confidence ?? 0).toBeLessThan(corrected.confidence);
  });
});

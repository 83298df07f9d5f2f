import { describe, expect, it } from '@jest/globals';
import { estimateTokens } from './token-estimate.js';

describe('estimateTokens', () => {
  it('counts CJK characters one each and other text about four characters a token', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('信用卡')).toBe(3);
    expect(estimateTokens('abcdefgh')).toBe(2);
    expect(estimateTokens('信用卡 card')).toBe(4);
    expect(estimateTokens('  lots   of   space  ')).toBe(Math.ceil('lots of space'.length / 4));
  });
});

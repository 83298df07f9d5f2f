import { describe, expect, it } from '@jest/globals';
import { analyze, normalizeText, tokenize } from './analyzer.js';

describe('normalizeText', () => {
  it('applies NFKC, folds full-width forms and lowercases', () => {
    expect(normalizeText('ＡＢＣ１２３！')).toBe('abc123!');
    expect(normalizeText('Card　PIN')).toBe('card pin');
    expect(normalizeText('ﬁle')).toBe('file');
  });

  it('unifies apostrophe variants', () => {
    expect(normalizeText('Can’t')).toBe("can't");
  });
});

describe('tokenize (English)', () => {
  it('stems content words and drops function words', () => {
    expect(tokenize('How do I activate my new cards?')).toEqual(['how', 'activ', 'new', 'card']);
  });

  it('keeps words that carry intent', () => {
    const tokens = tokenize('Why is my card PIN not working?');
    expect(tokens).toEqual(['whi', 'card', 'pin', 'not', 'work']);
  });

  it('expands contractions with and without apostrophe', () => {
    expect(tokenize("I can't log in")).toEqual(tokenize('I cannot log in'));
    expect(tokenize("my refund isn't showing")).toEqual(tokenize('my refund is not showing'));
    expect(tokenize('my refund isnt showing')).toEqual(tokenize('my refund is not showing'));
    expect(tokenize("I haven't received it")).toContain('not');
  });

  it('maps irregular forms and British spellings to one form', () => {
    expect(tokenize('I withdrew cash')).toEqual(tokenize('I withdraw cash'));
    expect(tokenize('my card was stolen')).toEqual(['card', 'steal']);
    expect(tokenize('change the colour')).toEqual(tokenize('change the color'));
    expect(tokenize('I want to cancel the cheque')).toEqual(tokenize('I want to cancel the check'));
    expect(tokenize('authorise payment')).toEqual(tokenize('authorize payment'));
  });

  it('treats full-width text like ASCII', () => {
    expect(tokenize('ＲＥＦＵＮＤ ｍｙ ｏｒｄｅｒ')).toEqual(tokenize('refund my order'));
  });

  it('drops long digit strings (order numbers) but keeps short numbers', () => {
    expect(tokenize('track order 113542617735902')).toEqual(['track', 'order']);
    expect(tokenize('I need 2 cards')).toEqual(['2', 'card']);
  });

  it('marks stop-words instead of losing them, so bigrams can still use them', () => {
    const kinds = analyze('how long does it take').map((t) => `${t.term}:${t.kind}`);
    expect(kinds).toEqual(['how:word', 'long:word', 'does:stop', 'it:stop', 'take:word']);
  });

  it('returns nothing for empty or punctuation-only text', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize('?!... ---')).toEqual([]);
  });
});

describe('tokenize (Chinese)', () => {
  it('emits Intl.Segmenter words plus character bigrams and content characters', () => {
    const tokens = analyze('银行卡丢了');
    const byKind = (kind: string): string[] => tokens.filter((t) => t.kind === kind).map((t) => t.term);
    expect(byKind('cjk-word')).toContain('银行');
    expect(byKind('cjk-bigram')).toEqual(['银行', '行卡', '卡丢', '丢了']);
    // "了" is a function character: kept inside bigrams, not on its own.
    expect(byKind('cjk-char')).toEqual(['银', '行', '卡', '丢']);
  });

  it('folds full-width punctuation and handles mixed Chinese and English', () => {
    const tokens = tokenize('我的Visa卡被锁了，PIN码错误！');
    expect(tokens).toEqual(expect.arrayContaining(['visa', 'pin', '锁了', '码错', '错误']));
    expect(tokens.some((t) => t.includes('，') || t.includes('！'))).toBe(false);
  });

  it('indexes nothing made only of a question frame or function words, keeping what touches the topic', () => {
    const tokens = tokenize('元宇宙是什么意思');
    for (const frame of ['什么', '意思', '是什', '什么', '么意', '是', '什', '意', '思']) expect(tokens).not.toContain(frame);
    // The topic's words and characters stay, and so does the bigram joining it to the frame.
    expect(tokens).toEqual(expect.arrayContaining(['宇宙', '元宇', '宙是', '元', '宇', '宙']));
    expect(tokenize('请问可以在手机上开户吗')).toEqual(expect.arrayContaining(['手机', '开户', '上开']));
    expect(tokenize('请问可以在手机上开户吗')).not.toContain('请问');
    // Words that separate questions are content: why, how much.
    expect(tokenize('为什么扣了年费')).toContain('为什么');
    expect(tokenize('利息多少')).toContain('多少');
  });

  it('gives overlapping tokens for paraphrases without spaces', () => {
    const a = new Set(tokenize('怎么修改登录密码'));
    const b = tokenize('登录密码如何更改');
    expect(b.filter((t) => a.has(t))).toEqual(expect.arrayContaining(['登录', '密码']));
  });
});

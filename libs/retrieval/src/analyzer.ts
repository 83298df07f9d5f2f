import { stem } from './stemmer.js';
import { IRREGULAR_FORMS } from './irregular-forms.js';
import { CONTRACTIONS, SPELLING_VARIANTS, STOP_WORDS } from './stop-words.js';

/** What a token is, so the index can derive features (bigrams, n-grams) and weight them per kind. */
export type TokenKind = 'word' | 'stop' | 'cjk-word' | 'cjk-bigram' | 'cjk-char';

/** One analysed token: the index term plus its kind. */
export interface Token {
  readonly term: string;
  readonly kind: TokenKind;
}

// Han plus kana: scripts written without spaces, which need dictionary segmentation and character n-grams.
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc]+/gu;
const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc]/u;
const WORD = /[\p{L}\p{N}]+/gu;
// Chinese function characters: useless on their own; written as a word of their own they count as function words below.
const CJK_STOP_CHARS = new Set([...'的了吗呢吧啊呀嘛哦么是我你他她它们在有和与就也都还又要会能可以这那个之']);
/**
 * Chinese question frames and function words, the counterpart of the English stop-words: "是什么意思", "怎么", "请问",
 * "可以…吗" wrap almost every question and say nothing about its topic. Neither these words, nor their characters, nor
 * a character bigram wholly inside a run of them (是什, 么意) are indexed — the same goes for one-character function
 * words such as 是, 的, 了 — so "元宇宙是什么意思" no longer matches, confidently, the one FAQ entry whose question ends
 * in "是什么意思". A bigram joining one to the topic (宙是, 卡怎) stays, as English keeps stop-words in word bigrams.
 * The words that do separate questions stay content: 为什么 (why), 多少 (how much), 哪 / 哪里 (where), 几 / 多久
 * (how many, how long), negations.
 */
const CJK_STOP_WORDS = new Set([
  '什么', '是什么', '什么样', '意思', '什么意思', '怎么', '怎样', '怎么样', '如何', '咋', '啥', '请问', '一下', '是否', '是不是',
  '能不能', '能否', '可不可以', '可以', '有没有', '我的', '我们', '你们', '他们', '我想', '想要', '需要', '知道', '告诉', '这个',
  '那个', '一个', '您好', '你好', '谢谢',
]);
// Long digit strings are order numbers, phone numbers or amounts: identifiers, never intent.
const MAX_NUMBER_DIGITS = 4;

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

// Analysing a word (spelling map, stop check, stemming) is pure, so memoise it: FAQ vocabularies are small
// and repetitive, and this turns most of the indexing cost into one Map lookup per word.
const wordCache = new Map<string, readonly Token[]>();
const WORD_CACHE_LIMIT = 200_000;

/** NFKC (folds full-width forms to half-width), lowercase, and unify apostrophe variants. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc\u0060\u00b4]/g, "'");
}

/** Expand "n't", "'re", "'ll" … and drop possessive "'s", so "isn't" and "is not" index the same way. */
export function expandContractions(text: string): string {
  if (!text.includes("'")) return text;
  return text
    .replace(/\bcan't\b/g, 'can not')
    .replace(/\bwon't\b/g, 'will not')
    .replace(/\bshan't\b/g, 'shall not')
    .replace(/(\p{L})n't\b/gu, '$1 not')
    .replace(/(\p{L})'re\b/gu, '$1 are')
    .replace(/(\p{L})'ve\b/gu, '$1 have')
    .replace(/(\p{L})'ll\b/gu, '$1 will')
    .replace(/(\p{L})'d\b/gu, '$1 would')
    .replace(/\bi'm\b/g, 'i am')
    .replace(/(\p{L})'s\b/gu, '$1');
}

function analyzeWord(word: string): readonly Token[] {
  const cached = wordCache.get(word);
  if (cached !== undefined) return cached;
  const out: Token[] = [];
  const expanded = CONTRACTIONS.get(word) ?? SPELLING_VARIANTS.get(word) ?? word;
  for (const raw of expanded.split(' ')) {
    const part = IRREGULAR_FORMS.get(raw) ?? raw;
    if (/^\p{N}+$/u.test(part) && part.length > MAX_NUMBER_DIGITS) continue;
    if (STOP_WORDS.has(part)) out.push({ term: part, kind: 'stop' });
    else out.push({ term: stem(normalizeSpelling(part)), kind: 'word' });
  }
  if (wordCache.size >= WORD_CACHE_LIMIT) wordCache.clear();
  wordCache.set(word, out);
  return out;
}

/** British "-ise/-isation" → "-ize/-ization"; applied to both index and query, so over-matching is harmless. */
function normalizeSpelling(word: string): string {
  if (word.length < 6) return word;
  return word.replace(/(\p{L}{3})is(e|ed|es|ing|ation|ations|er|ers)$/u, '$1iz$2');
}

function analyzeLatin(text: string, out: Token[]): void {
  for (const match of expandContractions(text).matchAll(WORD)) {
    for (const token of analyzeWord(match[0])) out.push(token);
  }
}

function analyzeCjk(run: string, out: Token[]): void {
  const chars = [...run];
  // Characters of function words (see CJK_STOP_WORDS): `segment` indexes are UTF-16, `chars` code points.
  const frame = new Uint8Array(chars.length);
  let at = 0;
  let utf16 = 0;
  for (const { segment, index, isWordLike } of segmenter.segment(run)) {
    for (; utf16 < index; at++) utf16 += chars[at]!.length;
    const length = [...segment].length;
    const isFunction = CJK_STOP_WORDS.has(segment) || (length === 1 && CJK_STOP_CHARS.has(segment));
    if (isFunction) frame.fill(1, at, at + length);
    else if (isWordLike !== false && length > 1) out.push({ term: segment, kind: 'cjk-word' });
  }
  for (let i = 0; i + 1 < chars.length; i++) {
    if (frame[i] === 0 || frame[i + 1] === 0) out.push({ term: chars[i]! + chars[i + 1]!, kind: 'cjk-bigram' });
  }
  chars.forEach((ch, i) => {
    if (frame[i] === 0 && !CJK_STOP_CHARS.has(ch)) out.push({ term: ch, kind: 'cjk-char' });
  });
}

/** Full analysis of a text in reading order: English words (stemmed or marked stop) and Chinese terms. */
export function analyze(text: string): Token[] {
  return analyzeNormalized(normalizeText(text));
}

/** {@link analyze} for text already passed through {@link normalizeText}. */
export function analyzeNormalized(normalized: string): Token[] {
  const out: Token[] = [];
  if (!CJK_CHAR.test(normalized)) {
    analyzeLatin(normalized, out);
    return out;
  }
  let last = 0;
  for (const match of normalized.matchAll(CJK_RUN)) {
    const at = match.index ?? 0;
    if (at > last) analyzeLatin(normalized.slice(last, at), out);
    analyzeCjk(match[0], out);
    last = at + match[0].length;
  }
  if (last < normalized.length) analyzeLatin(normalized.slice(last), out);
  return out;
}

/** The analyzer as plain terms: stemmed content words, Chinese words, bigrams and content characters. */
export function tokenize(text: string): string[] {
  const terms: string[] = [];
  for (const token of analyze(text)) if (token.kind !== 'stop') terms.push(token.term);
  return terms;
}

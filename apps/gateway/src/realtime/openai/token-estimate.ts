// Han, kana, hangul and full-width punctuation: roughly one token per character in common
// tokenizers; other text runs about four characters per token.
const WIDE = /[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/gu;

/** A rough token count for `usage`: Fengda answers without a tokenizer, clients want a number. */
export const estimateTokens = (text: string): number => {
  const wide = text.match(WIDE)?.length ?? 0;
  const rest = text.replace(WIDE, '').replace(/\s+/g, ' ').trim().length;
  return wide + Math.ceil(rest / 4);
};

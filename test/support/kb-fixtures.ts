import type { KbEntry } from '#knowledge';

export const CARD: KbEntry = {
  id: 'card-instalment',
  question: '信用卡账单可以分期吗?',
  similarQuestions: ['账单能不能分期还款', '分期怎么收费'],
  answer: '可以,账单可分3/6/12期。',
  tags: ['credit-card'],
};

/** Entries whose texts stress both file formats: commas, quotes, line breaks, pipes, backslashes, padding. */
export const TRICKY_ENTRIES: KbEntry[] = [
  {
    id: 'a:1',
    question: 'Comma, "quote" and\nnewline?',
    similarQuestions: ['pipe | here', 'back\\slash \\| both', ' spaced '],
    answer: '答案,含逗号\r\n第二行',
    tags: ['t|1', 'x'],
  },
  { id: 'b.2', question: 'Plain', similarQuestions: [], answer: 'Plain answer', tags: [] },
];

/** NDJSON text of entries, one per line. */
export const toNdjson = (entries: readonly object[]): string => entries.map((e) => JSON.stringify(e)).join('\n') + '\n';

/** `count` distinct, valid entries with ids `${prefix}-00000`… (sortable, so list order is id order). */
export const generatedEntries = (count: number, prefix = 'gen'): KbEntry[] =>
  Array.from({ length: count }, (_, i) => {
    const n = String(i).padStart(5, '0');
    return {
      id: `${prefix}-${n}`,
      question: `How do I use product ${n} of line ${prefix}?`,
      similarQuestions: [`product ${n} usage`, `使用产品${n}`],
      answer: `Product ${n}: open the app, choose "${prefix} ${n}", and follow the steps. 产品${n}的说明。`,
      tags: [`line-${i % 7}`],
    };
  });

import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIDENCE_THRESHOLD } from './confidence.js';
import { RetrievalIndex } from './retrieval-index.js';
import { CHINESE_KB, ENGLISH_KB, PARAPHRASES, syntheticKb, UNRELATED } from './test-fixtures.js';

const KB = [...ENGLISH_KB, ...CHINESE_KB];

describe('RetrievalIndex', () => {
  const index = RetrievalIndex.build(KB);

  it('reports its size', () => {
    expect(index.size).toBe(KB.length);
    expect(RetrievalIndex.build([]).size).toBe(0);
  });

  it.each(PARAPHRASES)('ranks the right entry first for "%s"', (query, expected) => {
    const hits = index.search(query);
    expect(hits[0]?.id).toBe(expected);
  });

  it.each(PARAPHRASES)('is confident about the paraphrase "%s"', (query) => {
    expect(index.search(query)[0].confidence).toBeGreaterThanOrEqual(DEFAULT_CONFIDENCE_THRESHOLD);
  });

  it.each(UNRELATED)('is not confident about the unrelated query "%s"', (query) => {
    const top = index.search(query)[0];
    expect(top?.confidence ?? 0).toBeLessThan(DEFAULT_CONFIDENCE_THRESHOLD);
  });

  it('is not confident about a hit that shares only the question frame, whatever its margin', () => {
    const small = RetrievalIndex.build(
      [
        { id: 'due', question: 'What is my credit card payment due date?', similarQuestions: [], answer: 'The 25th of each month.' },
        { id: 'fx', question: 'How do I buy foreign currency?', similarQuestions: [], answer: 'At any branch or in the app.' },
        { id: 'hours', question: 'When are your branches open?', similarQuestions: [], answer: 'Weekdays 9 to 5.' },
      ],
      {},
      { wordVectors: null },
    );
    const top = (query: string) => small.search(query, 1)[0];
    // "what" and "is" are all it shares with the due-date entry: it ranks first, and is no answer.
    expect(top('What is bitcoin?')).toMatchObject({ id: 'due' });
    expect(top('What is bitcoin?')!.confidence).toBeLessThan(DEFAULT_CONFIDENCE_THRESHOLD);
    expect(top('When?')?.confidence ?? 0).toBeLessThan(DEFAULT_CONFIDENCE_THRESHOLD);
    // A word of substance, or a shared concept ("purchase" for "buy"), is what an answer needs.
    expect(top('When is my payment due?')).toMatchObject({ id: 'due' });
    expect(top('When is my payment due?')!.confidence).toBeGreaterThanOrEqual(DEFAULT_CONFIDENCE_THRESHOLD);
    expect(top('Where can I purchase currency?')).toMatchObject({ id: 'fx' });
    expect(top('Where can I purchase currency?')!.confidence).toBeGreaterThanOrEqual(DEFAULT_CONFIDENCE_THRESHOLD);
  });

  it('returns hits best first with confidences in [0, 1] that never increase', () => {
    const hits = index.search('my card is lost, how do I block it', 5);
    expect(hits.length).toBeGreaterThan(1);
    for (let i = 1; i < hits.length; i++) {
      expect(hits[i].score).toBeLessThanOrEqual(hits[i - 1].score);
      expect(hits[i].confidence).toBeLessThanOrEqual(hits[i - 1].confidence);
    }
    for (const hit of hits) {
      expect(hit.confidence).toBeGreaterThanOrEqual(0);
      expect(hit.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('returns [] for empty, stop-word-only or unmatched queries and honours the limit', () => {
    expect(index.search('')).toEqual([]);
    expect(index.search('   ?!  ')).toEqual([]);
    expect(index.search('zzzzqqqq')).toEqual([]);
    expect(index.search('card', 0)).toEqual([]);
    expect(index.search('card', 2)).toHaveLength(2);
  });

  it('uses the answer text, weighted below the questions', () => {
    const hits = index.search('interbank markup');
    expect(hits[0].id).toBe('exchange-rate');
    expect(hits[0].confidence).toBeLessThan(index.search('what exchange rate do you use')[0].confidence);
  });

  it('is deterministic and breaks ties by id', () => {
    const twins = [
      { id: 'b-twin', question: 'How do I reset my password?', similarQuestions: [], answer: '' },
      { id: 'a-twin', question: 'How do I reset my password?', similarQuestions: [], answer: '' },
      { id: 'c-other', question: 'Where is my parcel?', similarQuestions: [], answer: '' },
    ];
    const first = RetrievalIndex.build(twins).search('reset password');
    const second = RetrievalIndex.build([...twins].reverse()).search('reset password');
    expect(first.map((h) => h.id)).toEqual(['a-twin', 'b-twin']);
    expect(second).toEqual(first);
    expect(RetrievalIndex.build(KB).search('cancel my order')).toEqual(index.search('cancel my order'));
  });

  it('accepts tuning options', () => {
    const questionsOnly = RetrievalIndex.build(KB, { answerWeight: 0 });
    expect(questionsOnly.search('interbank markup')).toEqual([]);
  });
});

// Build and search times are measured by `npm run bench:retrieval`, not asserted here.
describe('RetrievalIndex at scale', () => {
  it('indexes 10,000 entries and still finds each by its own question', () => {
    const kb = syntheticKb(10_000);
    const index = RetrievalIndex.build(kb);
    expect(index.size).toBe(10_000);
    for (const i of [0, 1234, 5000, 9999]) expect(index.search(kb[i]!.question)[0]!.id).toBe(kb[i]!.id);
  });
});

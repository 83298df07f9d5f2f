import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIDENCE_THRESHOLD } from './confidence.js';
import { RetrievalIndex } from './retrieval-index.js';
import { embeddingWords, SemanticIndex } from './semantic.js';
import { CHINESE_KB, ENGLISH_KB, PARAPHRASES, UNRELATED } from './test-fixtures.js';
import { sharedWordVectors, wordVectorsFrom } from './word-vectors.js';

const KB = [...ENGLISH_KB, ...CHINESE_KB];

describe('embeddingWords', () => {
  it('keeps English words, expands contractions and ignores Chinese', () => {
    expect(embeddingWords("I can't find my card's PIN 1234")).toEqual(['i', 'can', 'not', 'find', 'my', 'card', 'pin']);
    expect(embeddingWords('我的card丢了')).toEqual(['card']);
  });
});

describe('semantic re-ranking with the installed word vectors', () => {
  const vectors = sharedWordVectors();
  const lexical = RetrievalIndex.build(KB, {}, { wordVectors: null });
  const semantic = RetrievalIndex.build(KB);

  it('has the word vectors', () => {
    expect(vectors).toBeDefined();
  });

  it('finds by meaning what words alone rank second', () => {
    const query = 'how much longer until the card shows up';
    expect(lexical.search(query)[0].id).toBe('activate-card');
    expect(semantic.search(query)[0].id).toBe('card-arrival');
  });

  it('leaves Chinese queries exactly as the lexical engine ranks them', () => {
    for (const [query] of PARAPHRASES.filter(([q]) => /\p{Script=Han}/u.test(q))) {
      expect(semantic.search(query)).toEqual(lexical.search(query));
    }
  });

  it('stays below the confidence threshold for unrelated queries', () => {
    for (const query of UNRELATED) {
      expect(semantic.search(query)[0]?.confidence ?? 0).toBeLessThan(DEFAULT_CONFIDENCE_THRESHOLD);
    }
  });

  it('is off with semanticWeight 0 and without vectors', () => {
    const off = RetrievalIndex.build(KB, { semanticWeight: 0, semanticPlainWeight: 0 });
    for (const query of ['how much longer until the card shows up', 'cancel my order', 'refund not on statement']) {
      expect(off.search(query)).toEqual(lexical.search(query));
    }
  });

  it('softly matches words the KB lacks to KB words near them', () => {
    const soft = RetrievalIndex.build(KB, { softWeight: 0.5 });
    expect(soft.search('I was overcharged, give me my money back')[0].id).toBe('refund-status');
    expect(soft.search('I want to shut down my profile')[0].id).toBe('delete-account');
  });
});

describe('whitened sentence vectors (toy table)', () => {
  // 4-d vectors: dimension 0 carries the topic (cards vs parcels), dimension 1 is wording noise that varies within
  // an entry, 2 and 3 tell apart "arrive" from "lost". Frequency order = row order (first rows count least in SIF).
  const words = ['my', 'card', 'parcel', 'arrive', 'come', 'lost', 'gone', 'where', 'when', 'is', 'has', 'not', 'still'];
  const vectors = wordVectorsFrom(words, [
    [0, 0.2, 0, 0],
    [1, 0, 0, 0],
    [-1, 0, 0, 0],
    [0, 0, 1, 0],
    [0, 0.1, 0.9, 0.1],
    [0, 0, 0, 1],
    [0, -0.1, 0.1, 0.9],
    [0, 1, 0, 0],
    [0, -1, 0, 0],
    [0, 0.8, 0.1, 0.1],
    [0, -0.8, 0.1, 0.1],
    [0, 0.5, -0.5, 0],
    [0, -0.5, 0, 0.5],
  ]);
  const kb = [
    { id: 'card-arrive', question: 'when will my card arrive', similarQuestions: ['where is my card', 'my card has not come', 'card still not here'], answer: '' },
    { id: 'card-lost', question: 'my card is lost', similarQuestions: ['my card is gone', 'where is my lost card', 'card lost'], answer: '' },
    { id: 'parcel-arrive', question: 'when will my parcel arrive', similarQuestions: ['where is my parcel', 'parcel has not come', 'parcel still not here'], answer: '' },
  ];

  const texts = kb.flatMap((doc) => [doc.question, ...doc.similarQuestions]);
  const entryOf = Int32Array.from(kb.flatMap((doc, e) => [doc.question, ...doc.similarQuestions].map(() => e)));
  const settings = { sifA: 0.001, shrinkage: 0.3, softNeighbors: 0, softMinCosine: 0.5, softKnown: false };
  const nearest = (index: SemanticIndex, query: string): string => {
    const q = index.encode(query)!.vector;
    const scores = kb.map((_, e) => index.similarity(q, e));
    return kb[scores.indexOf(Math.max(...scores))].id;
  };

  it('whitens when entries have enough phrasings, and finds the entry nearest in meaning', () => {
    const index = new SemanticIndex(vectors, settings, texts, entryOf, kb.length, () => -1);
    expect(index.whitened).toBe(true);
    // No word of either query is in the nearest entry's phrasings other than the topic word.
    expect(nearest(index, 'has my card come')).toBe('card-arrive');
    expect(nearest(index, 'card gone')).toBe('card-lost');
    expect(nearest(index, 'parcel come')).toBe('parcel-arrive');
  });

  it('only centres the vectors when whitening is off or the KB is too small for it', () => {
    const whitened = new SemanticIndex(vectors, settings, texts, entryOf, kb.length, () => -1);
    const off = new SemanticIndex(vectors, { ...settings, shrinkage: 1 }, texts, entryOf, kb.length, () => -1);
    expect(off.whitened).toBe(false);
    // Whitening discounts the wording dimension that varies inside entries, which misleads plain cosines here.
    const lostOverArrive = (index: SemanticIndex): number => {
      const q = index.encode('card gone')!.vector;
      return index.similarity(q, 1) - index.similarity(q, 0);
    };
    expect(lostOverArrive(whitened)).toBeGreaterThan(0);
    expect(lostOverArrive(off)).toBeLessThan(lostOverArrive(whitened));
    const tiny = new SemanticIndex(vectors, settings, texts.slice(0, 3), entryOf.slice(0, 3), 1, () => -1);
    expect(tiny.whitened).toBe(false);
  });

  it('encodes nothing for text without English words that have vectors', () => {
    const index = new SemanticIndex(vectors, settings, texts, entryOf, kb.length, () => -1);
    expect(index.encode('银行卡丢了')).toBeUndefined();
    expect(index.encode('zzz qqq')).toBeUndefined();
  });
});

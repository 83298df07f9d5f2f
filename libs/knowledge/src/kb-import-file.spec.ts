import { describe, expect, it } from '@jest/globals';
import { readImportFile } from './kb-import-file.js';

const line = (value: unknown): string => JSON.stringify(value);

describe('readImportFile', () => {
  it('reads NDJSON, skipping blank lines, accepting similar_questions and generating missing ids', () => {
    const text = [line({ id: 'a', question: 'q', answer: 'x', tags: ['t'] }), '', line({ question: 'q2', similar_questions: ['s'], answer: 'y' })].join('\r\n');
    const file = readImportFile(text, 'ndjson');
    expect(file).toEqual({
      ok: true,
      entries: [
        { id: 'a', question: 'q', similarQuestions: [], answer: 'x', tags: ['t'] },
        { id: expect.stringMatching(/^[0-9a-f-]{36}$/), question: 'q2', similarQuestions: ['s'], answer: 'y', tags: [] },
      ],
    });
  });

  it('lists every problem by line: bad JSON, missing fields, unknown fields, duplicates, both list spellings', () => {
    const text = [
      line({ id: 'a', question: 'q', answer: 'x' }),
      line({ id: 'b', question: 'q' }),
      '{"id":',
      line({ id: 'a', question: 'q', answer: 'x' }),
      line({ question: 'q', answer: 'x', similarQuestions: [], similar_questions: [] }),
      line({ question: 'q', answer: 'x', colour: 'red' }),
      line({ question: 'q'.repeat(2001), answer: 'x', tags: 'one' }),
      'null',
    ].join('\n');
    const file = readImportFile(text, 'ndjson');
    expect(file.ok).toBe(false);
    if (file.ok) return;
    expect(file.problems).toEqual([
      { line: 2, field: 'answer', message: 'answer is required' },
      { line: 3, message: expect.stringMatching(/^invalid JSON: /) },
      { line: 4, field: 'id', message: 'duplicate id "a" (first on line 1)' },
      { line: 5, field: 'similar_questions', message: expect.any(String) },
      { line: 6, field: 'colour', message: 'property colour should not exist' },
      { line: 7, field: 'question', message: 'question must be shorter than or equal to 2000 characters' },
      { line: 7, field: 'tags', message: 'tags must be an array of strings' },
      { line: 8, message: 'entry must be a JSON object' },
    ]);
  });

  it('reads CSV by header name in any order, with list cells and empty ids', () => {
    const text = 'Tags,answer,question,similar_questions,id\r\nt1|t2,"a, b",q,,\r\n,a2,q2,s1|s2,x\r\n';
    const file = readImportFile(text, 'csv');
    expect(file).toEqual({
      ok: true,
      entries: [
        { id: expect.any(String), question: 'q', similarQuestions: [], answer: 'a, b', tags: ['t1', 't2'] },
        { id: 'x', question: 'q2', similarQuestions: ['s1', 's2'], answer: 'a2', tags: [] },
      ],
    });
  });

  it('refuses CSV headers it does not know or that lack a required column', () => {
    expect(readImportFile('id,question,colour\nx,q,red\n', 'csv')).toEqual({
      ok: false,
      problems: [
        { line: 1, field: 'colour', message: expect.stringContaining('unknown column') },
        { line: 1, field: 'answer', message: 'the header row has no answer column' },
      ],
    });
    expect(readImportFile('question,answer,Question\nq,a,q\n', 'csv')).toMatchObject({ ok: false, problems: [{ line: 1, message: 'column question appears twice' }] });
  });

  it('refuses an empty file and more than 10,000 entries', () => {
    expect(readImportFile('\n\n', 'ndjson')).toEqual({ ok: false, problems: [{ line: 1, message: 'the file holds no entries' }] });
    expect(readImportFile('id,question,answer\r\n', 'csv')).toEqual({ ok: false, problems: [{ line: 1, message: 'the file holds no entries' }] });
    const many = Array.from({ length: 10_001 }, (_, i) => line({ id: `e${i}`, question: 'q', answer: 'a' })).join('\n');
    expect(readImportFile(many, 'ndjson')).toEqual({ ok: false, problems: [{ line: 10_001, message: expect.stringContaining('at most 10000 entries') }] });
  });
});

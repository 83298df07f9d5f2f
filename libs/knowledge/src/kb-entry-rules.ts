import { inputProblem } from '#common';
import { KB_ENTRY_ID_PATTERN, KB_LIMITS, type KbEntryInput } from './kb-entry.js';

/** One thing wrong with an entry; `field` is absent when the whole entry is at fault. */
export interface KbProblem {
  field?: string;
  message: string;
}

export type KbCheck = { ok: true; entry: KbEntryInput } | { ok: false; problems: KbProblem[] };

const FIELDS = ['id', 'question', 'similarQuestions', 'answer', 'tags'] as const;
const KNOWN = new Set<string>(FIELDS);

const checkText = (field: string, value: unknown, max: number, problems: KbProblem[]): value is string => {
  if (typeof value !== 'string') {
    problems.push({ field, message: value === undefined || value === null ? `${field} is required` : `${field} must be a string` });
    return false;
  }
  if (!/\S/.test(value)) problems.push({ field, message: `${field} must not be blank` });
  else if (value.length > max) problems.push({ field, message: `${field} must be shorter than or equal to ${max} characters` });
  return true;
};

const checkList = (field: string, value: unknown, maxItems: number, maxLength: number, problems: KbProblem[]): string[] | undefined => {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    problems.push({ field, message: `${field} must be an array of strings` });
    return undefined;
  }
  if (value.length > maxItems) problems.push({ field, message: `${field} must contain no more than ${maxItems} elements` });
  value.forEach((item, i) => checkText(`${field}[${i}]`, item, maxLength, problems));
  return value as string[];
};

/**
 * Checks one raw entry (a parsed NDJSON line or CSV row) against the rules the API's DTOs
 * apply to a single entry, so a file is accepted exactly when each of its lines would be.
 * Unknown fields are refused, as the API refuses them.
 */
export const checkEntry = (raw: unknown): KbCheck => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problems: [{ message: 'entry must be a JSON object' }] };
  }
  const record = raw as Record<string, unknown>;
  const problems: KbProblem[] = [];
  for (const key of Object.keys(record)) if (!KNOWN.has(key)) problems.push({ field: key, message: `property ${key} should not exist` });
  for (const key of KNOWN) {
    const problem = inputProblem(record[key]);
    if (problem) problems.push({ field: key, message: problem });
  }

  const { id, question, answer } = record;
  if (id !== undefined && id !== null && (typeof id !== 'string' || !KB_ENTRY_ID_PATTERN.test(id))) {
    problems.push({ field: 'id', message: 'id must be 1-128 characters of A-Z a-z 0-9 . _ : -' });
  }
  checkText('question', question, KB_LIMITS.questionMax, problems);
  const similarQuestions = checkList('similarQuestions', record.similarQuestions, KB_LIMITS.similarQuestionsMax, KB_LIMITS.questionMax, problems);
  checkText('answer', answer, KB_LIMITS.answerMax, problems);
  const tags = checkList('tags', record.tags, KB_LIMITS.tagsMax, KB_LIMITS.tagMax, problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    entry: {
      ...(typeof id === 'string' ? { id } : {}),
      question: question as string,
      similarQuestions: similarQuestions ?? [],
      answer: answer as string,
      tags: tags ?? [],
    },
  };
};

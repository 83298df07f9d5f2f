import { randomUUID } from 'node:crypto';
import { CsvSyntaxError, parseCsv, splitListCell } from './kb-csv.js';
import { checkEntry } from './kb-entry-rules.js';
import { KB_LIMITS, type KbEntry, type KbFileFormat } from './kb-entry.js';

/** One problem of an import file, named by the file's line (1-based). */
export interface KbLineProblem {
  line: number;
  field?: string;
  message: string;
}

/** A raw entry of the file (not yet validated) and the line it starts on. */
interface RawRow {
  line: number;
  value: unknown;
}

interface RawFile {
  rows: RawRow[];
  problems: KbLineProblem[];
}

export type KbImportFile = { ok: true; entries: KbEntry[] } | { ok: false; problems: KbLineProblem[] };

const readNdjson = (text: string): RawFile => {
  const rows: RawRow[] = [];
  const problems: KbLineProblem[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((content, index) => {
    const line = index + 1;
    if (!content.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      problems.push({ line, message: `invalid JSON: ${(error as Error).message}` });
      return;
    }
    // Exports of other tools often use snake_case for this one field.
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, 'similar_questions')) {
      const { similar_questions: alias, ...rest } = value as Record<string, unknown>;
      if (Object.hasOwn(rest, 'similarQuestions')) {
        problems.push({ line, field: 'similar_questions', message: 'give either similarQuestions or similar_questions, not both' });
        return;
      }
      value = { ...rest, similarQuestions: alias };
    }
    rows.push({ line, value });
  });
  return { rows, problems };
};

const CSV_COLUMNS: Record<string, 'id' | 'question' | 'answer' | 'similarQuestions' | 'tags'> = {
  id: 'id',
  question: 'question',
  answer: 'answer',
  similarquestions: 'similarQuestions',
  similar_questions: 'similarQuestions',
  tags: 'tags',
};

const readCsv = (text: string): RawFile => {
  let records;
  try {
    records = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) return { rows: [], problems: [{ line: error.line, message: error.message }] };
    throw error;
  }
  const [header, ...data] = records;
  if (!header) return { rows: [], problems: [] };
  const columns = header.fields.map((name) => CSV_COLUMNS[name.trim().toLowerCase()]);
  const problems: KbLineProblem[] = [];
  header.fields.forEach((name, i) => {
    const column = columns[i];
    if (!column) problems.push({ line: header.line, field: name, message: `unknown column "${name}" (columns: id, question, answer, similarQuestions, tags)` });
    else if (columns.indexOf(column) !== i) problems.push({ line: header.line, field: name, message: `column ${column} appears twice` });
  });
  for (const required of ['question', 'answer'] as const) {
    if (!columns.includes(required)) problems.push({ line: header.line, field: required, message: `the header row has no ${required} column` });
  }
  if (problems.length > 0) return { rows: [], problems };

  const rows: RawRow[] = [];
  for (const record of data) {
    if (record.fields.length !== columns.length) {
      problems.push({ line: record.line, message: `expected ${columns.length} fields, found ${record.fields.length} (quote fields that contain commas)` });
      continue;
    }
    const value: Record<string, unknown> = {};
    record.fields.forEach((cell, i) => {
      const column = columns[i]!;
      if (column === 'similarQuestions' || column === 'tags') value[column] = splitListCell(cell);
      else if (column !== 'id' || cell !== '') value[column] = cell;
    });
    rows.push({ line: record.line, value });
  }
  return { rows, problems };
};

/**
 * Reads and validates a whole import file: every line is checked (same rules as the API, ids
 * unique within the file, at most 10,000 entries) so one answer lists all the problems.
 * Entries without an id get a generated one.
 */
export const readImportFile = (text: string, format: KbFileFormat): KbImportFile => {
  const { rows, problems } = format === 'csv' ? readCsv(text) : readNdjson(text);
  const entries: KbEntry[] = [];
  const firstLineOf = new Map<string, number>();
  for (const row of rows) {
    const checked = checkEntry(row.value);
    if (!checked.ok) {
      for (const problem of checked.problems) problems.push({ line: row.line, ...problem });
      continue;
    }
    const { id, question, similarQuestions = [], answer, tags = [] } = checked.entry;
    if (id !== undefined) {
      const first = firstLineOf.get(id);
      if (first !== undefined) {
        problems.push({ line: row.line, field: 'id', message: `duplicate id "${id}" (first on line ${first})` });
        continue;
      }
      firstLineOf.set(id, row.line);
    }
    entries.push({ id: id ?? randomUUID(), question, similarQuestions, answer, tags });
  }
  if (rows.length > KB_LIMITS.importEntriesMax) {
    problems.push({ line: rows[KB_LIMITS.importEntriesMax]!.line, message: `a file holds at most ${KB_LIMITS.importEntriesMax} entries; split it into several imports` });
  }
  if (rows.length === 0 && problems.length === 0) problems.push({ line: 1, message: 'the file holds no entries' });
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  return { ok: true, entries };
};

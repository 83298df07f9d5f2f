import { csvRow, joinListCell } from './kb-csv.js';
import type { KbEntry, KbFileFormat } from './kb-entry.js';

/** Media type of each bulk format, for imports and exports alike. */
export const KB_MEDIA_TYPES: Record<KbFileFormat, string> = {
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
};

const CSV_HEADER = csvRow(['id', 'question', 'answer', 'similarQuestions', 'tags']);

/** The file's opening (CSV's header row). */
export const exportPreamble = (format: KbFileFormat): string => (format === 'csv' ? CSV_HEADER : '');

/** One entry as a line of the file: exactly what an import of the same format reads back. */
export const exportLine = (format: KbFileFormat, e: KbEntry): string =>
  format === 'csv'
    ? csvRow([e.id, e.question, e.answer, joinListCell(e.similarQuestions), joinListCell(e.tags)])
    : `${JSON.stringify({ id: e.id, question: e.question, similarQuestions: e.similarQuestions, answer: e.answer, tags: e.tags })}\n`;

import type { AuditEntry } from './audit-entry.js';

/** Columns of the CSV export, in order. */
export const AUDIT_CSV_COLUMNS: readonly (keyof AuditEntry)[] = [
  'at', 'id', 'eventId', 'kind', 'actor', 'userId', 'seq', 'source', 'confidence', 'entryId', 'latencyMs', 'action', 'query', 'answer', 'detail',
];

/** One entry as a line of JSON Lines (`application/x-ndjson`). */
export const toJsonLine = (entry: AuditEntry): string => `${JSON.stringify(entry)}\n`;

// Spreadsheet programs run a cell that starts with one of these as a formula; customer text
// is untrusted, so such a cell gets a leading apostrophe (OWASP "CSV injection").
const FORMULA_START = /^[=+\-@\t\r]/;

const csvCell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The CSV header line (RFC 4180, CRLF line ends). */
export const csvHeader = (): string => `${AUDIT_CSV_COLUMNS.join(',')}\r\n`;

/** One entry as a CSV record. */
export const toCsvRow = (entry: AuditEntry): string => `${AUDIT_CSV_COLUMNS.map((column) => csvCell(entry[column])).join(',')}\r\n`;

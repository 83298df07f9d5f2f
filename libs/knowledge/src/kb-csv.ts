/** One CSV record and the line of the file it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** A CSV syntax error; `line` is the file's line (1-based) where the fault is. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

const LINE_BREAK = /\r\n|\r|\n/g;
const countLineBreaks = (text: string): number => text.match(LINE_BREAK)?.length ?? 0;
const isBreak = (c: string | undefined): boolean => c === '\n' || c === '\r';

/**
 * RFC 4180 CSV (quoted fields may hold commas, quotes as `""` and line breaks; CRLF, LF or CR
 * line ends; blank lines skipped), returning the line each record STARTS on. Written here
 * rather than with csv-parse because csv-parse's record info gives the line a record ends on,
 * and miscounts CRLF inside quoted fields: import errors must name the line a user sees.
 */
export const parseCsv = (text: string): CsvRecord[] => {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let quoted = false;
    for (;;) {
      let value: string;
      if (text[i] === '"') {
        quoted = true;
        value = '';
        let from = i + 1;
        for (;;) {
          const quote = text.indexOf('"', from);
          if (quote === -1) throw new CsvSyntaxError(line, 'a quoted field is not closed');
          value += text.slice(from, quote);
          if (text[quote + 1] === '"') {
            value += '"';
            from = quote + 2;
            continue;
          }
          i = quote + 1;
          break;
        }
        line += countLineBreaks(value);
        if (i < n && text[i] !== ',' && !isBreak(text[i])) {
          throw new CsvSyntaxError(line, 'unexpected text after a closing quote (write a quote inside a quoted field as "")');
        }
      } else {
        const from = i;
        while (i < n && text[i] !== ',' && !isBreak(text[i])) i++;
        value = text.slice(from, i);
      }
      fields.push(value);
      if (text[i] !== ',') break;
      i++;
    }
    if (i < n) {
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
    }
    if (!quoted && fields.length === 1 && fields[0]!.trim() === '') continue;
    records.push({ line: start, fields });
  }
  return records;
};

/** One field, quoted when it must be (or when spaces at its ends would otherwise be lost). */
export const csvField = (value: string): string =>
  /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/** One record, CRLF-terminated as RFC 4180 asks. */
export const csvRow = (fields: readonly string[]): string => `${fields.map(csvField).join(',')}\r\n`;

/**
 * List cells (similar questions, tags) separate items with `|`. A literal `|` is written `\|`
 * and a literal backslash before one of them `\\`; any other backslash is kept as it is, so
 * hand-written cells such as `C:\path` need no escaping.
 */
export const joinListCell = (items: readonly string[]): string => items.map((item) => item.replace(/[\\|]/g, (c) => `\\${c}`)).join('|');

export const splitListCell = (cell: string): string[] => {
  if (cell === '') return [];
  const items: string[] = [];
  let current = '';
  for (let i = 0; i < cell.length; i++) {
    const c = cell[i]!;
    const next = cell[i + 1];
    if (c === '\\' && (next === '|' || next === '\\')) {
      current += next;
      i++;
    } else if (c === '|') {
      items.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  items.push(current);
  return items;
};

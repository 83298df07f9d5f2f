import { describe, expect, it } from '@jest/globals';
import { csvRow, CsvSyntaxError, joinListCell, parseCsv, splitListCell } from './kb-csv.js';

describe('parseCsv', () => {
  it('reads quoted commas, doubled quotes and line breaks, naming the line each record starts on', () => {
    const text = '\uFEFFa,b\r\n"x, y","say ""hi""\r\nsecond\nthird"\n\nlast,\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"\r\nsecond\nthird'] },
      { line: 6, fields: ['last', ''] },
    ]);
  });

  it('accepts CR-only line ends and a missing final line end', () => {
    expect(parseCsv('a\rb\r"c\rd",e')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: ['b'] },
      { line: 3, fields: ['c\rd', 'e'] },
    ]);
  });

  it('keeps a quoted empty field as a record, skips blank lines', () => {
    expect(parseCsv('\n  \n""\n')).toEqual([{ line: 3, fields: [''] }]);
  });

  it('names the line of an unclosed quote and of text after a closing quote', () => {
    expect(() => parseCsv('a\n"open\nstill open')).toThrow(new CsvSyntaxError(2, 'a quoted field is not closed'));
    const error = (() => {
      try {
        parseCsv('a\n"multi\nline"x');
      } catch (e) {
        return e as CsvSyntaxError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect(error?.line).toBe(3);
  });

  it('round-trips what csvRow writes', () => {
    const fields = ['plain', 'comma, here', 'quote " here', 'line\r\nbreak', ' padded ', ''];
    expect(parseCsv(csvRow(fields) + csvRow(['x']))).toEqual([
      { line: 1, fields },
      { line: 3, fields: ['x'] },
    ]);
  });
});

describe('list cells', () => {
  it('split on | with \\| and \\\\ escapes, other backslashes kept', () => {
    expect(splitListCell('')).toEqual([]);
    expect(splitListCell('a|b')).toEqual(['a', 'b']);
    expect(splitListCell('a\\|b|C:\\path|end\\\\')).toEqual(['a|b', 'C:\\path', 'end\\']);
  });

  it('round-trip any items', () => {
    const items = ['a|b', 'back\\slash', 'both\\|', '\\', ' spaced ', '中文'];
    expect(splitListCell(joinListCell(items))).toEqual(items);
  });
});

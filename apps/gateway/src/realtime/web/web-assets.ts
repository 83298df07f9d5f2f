import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type Logger } from '#observability';

export interface WebAsset {
  body: Buffer;
  contentType: string;
}

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'chat.js': 'text/javascript; charset=utf-8',
  'chat.css': 'text/css; charset=utf-8',
};

const here = path.dirname(fileURLToPath(import.meta.url));
// Run from the sources (tests) the page sits at ../../public; run from dist/ (tsc copies no
// static files), it is read from the source tree beside dist/.
const CANDIDATES = [path.resolve(here, '../../public'), path.resolve(here, '../../../../../../apps/gateway/src/public')];

/** The web chat page's files, read once at start-up: a handful of small files, served from memory. */
@Injectable()
export class WebAssets {
  private readonly files = new Map<string, WebAsset>();

  constructor(@Inject(LOGGER) logger: Logger) {
    const dir = CANDIDATES.find((candidate) => existsSync(path.join(candidate, 'index.html')));
    if (!dir) {
      logger.warn({ looked: CANDIDATES }, 'web chat page not found; GET / answers 404');
      return;
    }
    for (const [name, contentType] of Object.entries(FILES)) this.files.set(name, { body: readFileSync(path.join(dir, name)), contentType });
  }

  get(name: string): WebAsset | undefined {
    return this.files.get(name);
  }
}

import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';
import { KbChangeNotifier } from './kb-change-notifier.service.js';
import type { KbEntryView, KbFileFormat, KbImportMode, KbImportResult } from './kb-entry.js';
import { exportLine, exportPreamble } from './kb-export-file.js';
import { readImportFile, type KbLineProblem } from './kb-import-file.js';
import { KnowledgeRepository } from './knowledge.repository.js';

/** Errors listed in one rejection; the rest are counted. */
export const KB_IMPORT_ERRORS_SHOWN = 100;
const EXPORT_PAGE = 1000;

/** A bulk import: the file's text, its format and how it meets the current entries. */
export interface KbImportRequest {
  text: string;
  format: KbFileFormat;
  mode: KbImportMode;
}

/** Bulk import and export of a tenant's knowledge base (NDJSON or CSV). */
@Injectable()
export class KbTransferService {
  constructor(
    private readonly repository: KnowledgeRepository,
    private readonly notifier: KbChangeNotifier,
  ) {}

  /**
   * Validates the whole file first, then writes it in one transaction: either every entry is
   * imported or nothing changes (`KB_IMPORT_INVALID` lists the lines at fault).
   */
  async import(tenantId: string, actor: string, request: KbImportRequest): Promise<KbImportResult> {
    const file = readImportFile(request.text, request.format);
    if (!file.ok) throw rejection(file.problems);
    const result = await this.repository.importEntries(tenantId, file.entries, request.mode);
    await this.notifier.changed(tenantId, actor, 'kb.import', { mode: request.mode, format: request.format, ...result });
    return result;
  }

  /**
   * The knowledge base as a file, in id order, produced page by page so a large KB never sits
   * in memory whole. The first page is read before returning, so a database failure is still
   * an error response rather than a truncated file.
   */
  async export(tenantId: string, format: KbFileFormat): Promise<AsyncIterable<string>> {
    const first = await this.repository.listPage(tenantId, { limit: EXPORT_PAGE });
    return this.chunks(tenantId, format, first);
  }

  private async *chunks(tenantId: string, format: KbFileFormat, first: KbEntryView[]): AsyncGenerator<string> {
    const preamble = exportPreamble(format);
    if (preamble) yield preamble;
    let page = first;
    for (;;) {
      if (page.length > 0) yield page.map((entry) => exportLine(format, entry)).join('');
      if (page.length < EXPORT_PAGE) return;
      page = await this.repository.listPage(tenantId, { after: page.at(-1)!.id, limit: EXPORT_PAGE });
    }
  }
}

const rejection = (problems: KbLineProblem[]): DomainError => {
  const [first] = problems;
  const total = problems.length;
  const where = first ? `line ${first.line}${first.field ? ` (${first.field})` : ''}: ${first.message}` : '';
  return new DomainError(ErrorCode.KbImportInvalid, `import rejected, nothing was changed: ${total} error${total === 1 ? '' : 's'}; first at ${where}`, {
    errors: problems.slice(0, KB_IMPORT_ERRORS_SHOWN),
    totalErrors: total,
    omittedErrors: Math.max(0, total - KB_IMPORT_ERRORS_SHOWN),
  });
};

import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '#common';
import { decodeAuditCursor, encodeAuditCursor, type AuditEntry, type AuditFilter, type AuditPosition } from './audit-entry.js';
import { csvHeader, toCsvRow, toJsonLine } from './audit-export.js';
import { AuditRepository } from './audit.repository.js';

export type AuditExportFormat = 'jsonl' | 'csv';

/** A page of the audit trail; `nextCursor` is null on the last page. */
export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

export const AUDIT_PAGE_MAX = 500;
const EXPORT_BATCH = 500;

/** A tenant's read access to its own audit trail: cursor pages and streamed exports. */
@Injectable()
export class AuditQueryService {
  constructor(private readonly repository: AuditRepository) {}

  async page(tenantId: string, filter: AuditFilter, limit: number, cursor?: string): Promise<AuditPage> {
    const after = cursor === undefined ? undefined : parseCursor(cursor);
    const size = Math.min(Math.max(1, limit), AUDIT_PAGE_MAX);
    // One row more than asked says whether another page exists without a count query.
    const rows = await this.repository.page(tenantId, filter, size + 1, after);
    const items = rows.slice(0, size);
    const last = items[items.length - 1];
    return {
      items: items.map(({ position: _position, ...entry }) => entry),
      nextCursor: rows.length > size && last ? encodeAuditCursor(last.position) : null,
    };
  }

  /**
   * Every matching row, newest first (from `cursor` on, if given), as JSON Lines or CSV. Read
   * page by page as the client consumes it, so an export of any size holds one page in memory.
   */
  export(tenantId: string, filter: AuditFilter, format: AuditExportFormat, cursor?: string): Readable {
    let after: AuditPosition | undefined = cursor === undefined ? undefined : parseCursor(cursor);
    const repository = this.repository;
    async function* lines(): AsyncGenerator<Buffer> {
      if (format === 'csv') yield Buffer.from(csvHeader());
      for (;;) {
        const rows = await repository.page(tenantId, filter, EXPORT_BATCH, after);
        if (rows.length === 0) return;
        yield Buffer.from(rows.map(({ position: _position, ...entry }) => (format === 'csv' ? toCsvRow(entry) : toJsonLine(entry))).join(''));
        if (rows.length < EXPORT_BATCH) return;
        after = rows[rows.length - 1]!.position;
      }
    }
    return Readable.from(lines(), { objectMode: false });
  }
}

const parseCursor = (cursor: string): AuditPosition => {
  const position = decodeAuditCursor(cursor);
  if (!position) throw new DomainError(ErrorCode.ValidationFailed, 'cursor is not valid: pass the nextCursor of a previous page', { fields: { cursor: ['cursor is not valid'] } });
  return position;
};

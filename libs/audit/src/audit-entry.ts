import type { AuditKind } from './audit-log.entity.js';

/** One audit row as the API shows it. */
export interface AuditEntry {
  id: string;
  eventId: string;
  kind: AuditKind;
  actor: string;
  userId: string | null;
  seq: number | null;
  query: string | null;
  answer: string | null;
  source: string | null;
  confidence: number | null;
  entryId: string | null;
  latencyMs: number | null;
  action: string | null;
  detail: Record<string, unknown> | null;
  /** When the event happened, ISO 8601. */
  at: string;
}

/** Filters of an audit query; every one optional. `from` is inclusive, `to` exclusive. */
export interface AuditFilter {
  from?: Date;
  to?: Date;
  userId?: string;
  source?: string;
  kind?: AuditKind;
}

/** A position in the newest-first order: the last row a page returned. */
export interface AuditPosition {
  /** created_at with microseconds, exactly as Postgres stores it (a JS Date would round it). */
  createdAt: string;
  id: string;
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** The opaque cursor of a position: base64url of `[createdAt, id]`. */
export const encodeAuditCursor = (position: AuditPosition): string => Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');

/** The position a cursor names, or null when it is not one this API issued. */
export const decodeAuditCursor = (cursor: string): AuditPosition | null => {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [createdAt, id] = value as unknown[];
    if (typeof createdAt !== 'string' || !CURSOR_TIME.test(createdAt) || typeof id !== 'string' || !/^\d{1,19}$/.test(id)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
};

import { DomainError, ErrorCode } from '#common';
import { KB_ENTRY_ID_PATTERN } from './kb-entry.js';

/** Opaque page cursor: the last id of the page, so callers don't build cursors themselves. */
export const encodeKbCursor = (lastId: string): string => Buffer.from(lastId, 'utf8').toString('base64url');

export const decodeKbCursor = (cursor: string): string => {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!KB_ENTRY_ID_PATTERN.test(id) || encodeKbCursor(id) !== cursor) {
    throw new DomainError(ErrorCode.ValidationFailed, 'cursor is not valid', { fields: { cursor: ['cursor is not valid'] } });
  }
  return id;
};

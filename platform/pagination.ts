import { badRequest } from './errors.ts';

/** A page of a listing; `next` is an opaque cursor for the following page. */
export interface Page<T> {
  items: T[];
  next?: string;
}

/** The largest page a listing serves (the admin API's `limit` refuses more). */
export const MAX_PAGE = 200;

/** Keyset cursors: the last row's sort key, base64url-encoded JSON, so pages stay stable under inserts. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** What each position of a cursor key holds; a cursor is checked against it before it reaches SQL. */
export type CursorField = 'text' | 'uuid' | 'timestamp' | 'seq';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const FIELD_OK: Record<CursorField, (v: unknown) => boolean> = {
  text: (v) => typeof v === 'string' && v.length <= 1000 && !v.includes('\u0000'),
  uuid: (v) => typeof v === 'string' && UUID.test(v),
  // Exactly what `toISOString()` wrote: anything else (or a year PostgreSQL refuses) is tampering.
  timestamp: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)) && new Date(v).toISOString() === v && new Date(v).getUTCFullYear() >= 1,
  seq: (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0,
};

/**
 * Decodes a cursor made by {@link encodeCursor}. The client holds it, so it is checked field by field
 * against `shape`: a tampered cursor is a 400 `request.cursor_invalid`, never a failed cast in SQL (500).
 */
export function decodeCursor(cursor: string | undefined, shape: readonly CursorField[]): unknown[] | undefined {
  if (!cursor) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === shape.length && shape.every((field, i) => FIELD_OK[field](key[i]))) return key;
  } catch {
    /* fall through */
  }
  throw badRequest('request.cursor_invalid', 'The page cursor is not valid');
}

/** Cuts a `limit + 1` fetch into a page with a cursor built from the last item kept. */
export function toPage<R, T>(rows: R[], limit: number, key: (row: R) => unknown[], view: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const page: Page<T> = { items: kept.map(view) };
  if (more) page.next = encodeCursor(key(kept[kept.length - 1]!));
  return page;
}

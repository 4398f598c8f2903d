import { badRequest } from './errors.ts';

/** A page of a listing; `next` is an opaque cursor for the following page. */
export interface Page<T> {
  items: T[];
  next?: string;
}

export const MAX_PAGE = 200;

/** Keyset cursors: the last row's sort key, base64url-encoded JSON, so pages stay stable under inserts. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): unknown[] | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string' || typeof k === 'number')) return key;
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

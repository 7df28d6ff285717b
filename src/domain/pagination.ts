import { invalid } from './errors.js';

/** List limits (docs/api.md "Conventions"). */
export const defaultPageLimit = 50;
export const maxPageLimit = 200;

/** A page of a list as the API answers it. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A cursor is the keyset of the last item served, opaque to clients: base64url of a JSON
 * array of strings. Anything else is refused as a bad `cursor` parameter.
 */
export function encodeCursor(keyset: string[]): string {
  return Buffer.from(JSON.stringify(keyset)).toString('base64url');
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

/** Decodes a cursor made by encodeCursor with `size` parts; throws VALIDATION_FAILED otherwise. */
export function decodeCursor(cursor: string, size: number): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== size ||
    // Only keysets this server writes: no control characters (a NUL would reach the store).
    !parsed.every((part) => typeof part === 'string' && !hasControlCharacter(part))
  ) {
    throw invalid('cursor', 'cursor is not one this server gave out');
  }
  return parsed;
}

/**
 * Turns `limit + 1` rows fetched in order into a page: the extra row only tells that more
 * exist, and the cursor is the keyset of the last row served.
 */
export function toPage<Row, T>(
  rows: Row[],
  limit: number,
  keyset: (row: Row) => string[],
  present: (row: Row) => T,
): Page<T> {
  const served = rows.slice(0, limit);
  const last = served.at(-1);
  return {
    items: served.map(present),
    nextCursor: rows.length > limit && last ? encodeCursor(keyset(last)) : null,
  };
}

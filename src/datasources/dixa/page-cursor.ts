// Opaque GraphQL cursors over Dixa's pagination. Dixa pages with an opaque `pageKey`
// (found in `meta.next`, never built by clients); a GraphQL edge cursor records the page
// it came from and its position there, so `after` can resume at exactly the next item.
import { BadUserInputError } from '../../errors.js';

export interface PageCursor {
  /** Dixa's key of the page the edge is on; absent for the first page. */
  pageKey?: string;
  /** The page size the first page was asked with (later pages carry it in their key). */
  pageLimit: number;
  /** Position of the edge within its page. */
  index: number;
}

export function encodeCursor(cursor: PageCursor): string {
  const payload = cursor.pageKey === undefined ? [cursor.pageLimit, cursor.index] : [cursor.pageLimit, cursor.index, cursor.pageKey];
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeCursor(raw: string, argument = 'after'): PageCursor {
  const invalid = () =>
    new BadUserInputError(`${argument} is not a cursor this gateway issued; pass pageInfo.endCursor (or an edge cursor) unchanged.`, {
      argument,
    });
  if (raw.length > 2048) throw invalid();
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(payload) || payload.length < 2 || payload.length > 3) throw invalid();
  const [pageLimit, index, pageKey] = payload as unknown[];
  if (!Number.isInteger(pageLimit) || !Number.isInteger(index) || (pageLimit as number) < 1 || (index as number) < 0) throw invalid();
  if (pageKey !== undefined && (typeof pageKey !== 'string' || pageKey === '')) throw invalid();
  return { pageLimit: pageLimit as number, index: index as number, ...(pageKey !== undefined ? { pageKey: pageKey as string } : {}) };
}

/** Dixa's `meta.next` is a relative URL (`/v1/agents?pageKey=...`); only its key is kept. */
export function pageKeyOf(next: string | null | undefined): string | undefined {
  if (!next) return undefined;
  return new URL(next, 'http://dixa.invalid').searchParams.get('pageKey') ?? undefined;
}

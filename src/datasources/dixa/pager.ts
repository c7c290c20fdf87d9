// Walks Dixa's pages to serve a GraphQL connection slice (`first` after a cursor). Each
// edge's cursor names its Dixa page and position, so resuming is exact even when `first`
// changes between calls. Bounded: at most MAX_PAGES Dixa pages per slice.
import { decodeCursor, encodeCursor } from './page-cursor.js';
import type { Page, PageRequest } from './client.js';

const MAX_PAGES = 3;

export interface Slice<T> {
  edges: { item: T; cursor: string }[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export async function readSlice<T>(
  fetchPage: (page: PageRequest) => Promise<Page<T>>,
  first: number,
  after: string | null | undefined,
): Promise<Slice<T>> {
  const start = after ? decodeCursor(after) : undefined;
  const pageLimit = start?.pageLimit ?? first;
  let pageKey = start?.pageKey;
  let index = start ? start.index + 1 : 0;
  const edges: Slice<T>['edges'] = [];
  let hasNextPage = false;

  for (let pages = 0; pages < MAX_PAGES && edges.length < first; pages++) {
    const page = await fetchPage({ pageLimit, pageKey });
    for (; index < page.items.length && edges.length < first; index++) {
      const cursor = encodeCursor({ pageLimit, index, ...(pageKey !== undefined ? { pageKey } : {}) });
      edges.push({ item: page.items[index] as T, cursor });
    }
    hasNextPage = index < page.items.length || page.nextPageKey !== undefined;
    if (index < page.items.length || !page.nextPageKey) break;
    pageKey = page.nextPageKey;
    index = 0;
  }
  return { edges, hasNextPage, endCursor: edges.at(-1)?.cursor ?? after ?? null };
}

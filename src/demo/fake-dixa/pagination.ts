// Dixa-style pagination: an opaque pageKey (base64 of `pageLimit=N&page=P`, like the spec's
// example) and a relative `meta.next` that keeps the request's version prefix and filters.

import { badRequest, type Reply } from './reply.js';
import { positiveIntQuery } from './input.js';
import type { RouteContext } from './router.js';

export const DEFAULT_PAGE_LIMIT = 50;

export function encodePageKey(pageLimit: number, page: number): string {
  return Buffer.from(`pageLimit=${pageLimit}&page=${page}`, 'utf8').toString('base64');
}

export function decodePageKey(pageKey: string): { pageLimit: number; page: number } {
  const decoded = new URLSearchParams(Buffer.from(pageKey, 'base64').toString('utf8'));
  const pageLimit = Number(decoded.get('pageLimit'));
  const page = Number(decoded.get('page'));
  if (!Number.isInteger(pageLimit) || pageLimit < 1 || !Number.isInteger(page) || page < 1) {
    throw badRequest('Invalid value for: query parameter pageKey');
  }
  return { pageLimit, page };
}

export interface PageOptions {
  /** Query params to carry into `meta.next` (list filters). */
  keep?: readonly string[];
  maxLimit?: number;
}

/** One page of `items` as `{data, meta}` for the request in `ctx`. */
export function paginate<T>(ctx: RouteContext, items: readonly T[], options: PageOptions = {}): Reply {
  const { pageLimit, page } = pageOf(ctx, options.maxLimit);
  const start = (page - 1) * pageLimit;
  const data = items.slice(start, start + pageLimit);
  const link = (p: number): string => {
    const params = new URLSearchParams();
    for (const key of options.keep ?? []) {
      const value = ctx.query[key];
      if (value !== undefined) params.set(key, value);
    }
    params.set('pageKey', encodePageKey(pageLimit, p));
    return `${ctx.prefix}${ctx.route}?${params.toString()}`;
  };
  const meta: { next?: string; previous?: string } = {};
  if (page > 1) meta.previous = link(page - 1);
  if (start + pageLimit < items.length) meta.next = link(page + 1);
  return { status: 200, body: { data, meta } };
}

function pageOf(ctx: RouteContext, maxLimit: number | undefined): { pageLimit: number; page: number } {
  const pageKey = ctx.query.pageKey;
  const result = pageKey ? decodePageKey(pageKey) : { pageLimit: positiveIntQuery(ctx.query, 'pageLimit') ?? DEFAULT_PAGE_LIMIT, page: 1 };
  if (maxLimit !== undefined && result.pageLimit > maxLimit) {
    throw badRequest(`Invalid value for: query parameter pageLimit (expected value to be less than or equal to ${maxLimit})`);
  }
  return result;
}

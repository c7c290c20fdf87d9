// A tiny path-pattern router: version-less patterns like `/conversations/:id/tags/:tagId`
// matched against the request path once its `/v1` or `/beta` prefix is removed.

import type { FakeChange } from './changes.js';
import type { Reply } from './reply.js';
import type { FakeWorld } from './world.js';

export interface RouteContext {
  world: FakeWorld;
  token: string;
  /** Path parameters, raw (checked by each handler). */
  params: Record<string, string>;
  query: Record<string, string>;
  /** Parsed JSON body, or undefined when none was sent. */
  body: unknown;
  /** The version prefix the request used (`/v1` or `/beta`); `meta.next` links reuse it. */
  prefix: string;
  /** The path without the prefix or a trailing slash, e.g. `/agents`. */
  route: string;
  /** Raises a conversation change for this tenant. */
  emit(change: Omit<FakeChange, 'token'>): void;
}

export type Handler = (ctx: RouteContext) => Reply;

export interface Route {
  method: string;
  pattern: string;
  handler: Handler;
}

export const VERSION_PREFIXES = ['/v1', '/beta'] as const;

/** Splits `/v1/agents/` into `{prefix: '/v1', route: '/agents'}`; undefined without a known prefix. */
export function splitPrefix(path: string): { prefix: string; route: string } | undefined {
  for (const prefix of VERSION_PREFIXES) {
    if (path === prefix || path.startsWith(`${prefix}/`)) {
      const route = path.slice(prefix.length).replace(/\/+$/, '') || '/';
      return { prefix, route };
    }
  }
  return undefined;
}

export function matchRoute(
  routes: readonly Route[],
  method: string,
  route: string,
): { handler: Handler; params: Record<string, string> } | undefined {
  const segments = route.split('/').filter(Boolean);
  for (const candidate of routes) {
    if (candidate.method !== method) continue;
    const parts = candidate.pattern.split('/').filter(Boolean);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      const segment = segments[i] as string;
      if (part.startsWith(':')) {
        try {
          params[part.slice(1)] = decodeURIComponent(segment);
        } catch {
          params[part.slice(1)] = segment;
        }
      } else if (part !== segment) {
        matched = false;
        break;
      }
    }
    if (matched) return { handler: candidate.handler, params };
  }
  return undefined;
}

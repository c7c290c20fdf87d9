// The GraphQL IDE on GET /graphql for browsers: GraphiQL 3, served entirely from the
// gateway's own files (graphiql's and React's UMD bundles from node_modules, and our
// bootstrap from playground/), so it works with no internet access and under a strict
// Content-Security-Policy (no inline script, nothing from another host). The page itself
// is not behind the gateway key; the queries it sends are.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where the page's assets are served, below the GraphQL path (works behind a path prefix too). */
export const PLAYGROUND_ASSET_PREFIX = '/graphql/playground/';

/** The query the IDE opens with: it answers on the demo data and on any real organization. */
export const DEFAULT_PLAYGROUND_QUERY = `# Run with Ctrl-Enter or the ▶ button.
# With GATEWAY_API_KEYS set, put your key in Headers:
#   { "Authorization": "Bearer <key>" }
query FirstLook {
  dixaConnection { ok organization { name } }
  searchConversations(first: 5, filter: { states: [OPEN] }) {
    nodes {
      id subject channel
      customer { displayName email }
    }
  }
}
`;

/**
 * The page's policy: scripts, styles, fonts and connections only from the gateway itself.
 * GraphiQL's editors set element styles from script (CSSOM), which style-src does not govern;
 * its bundled CSS carries fonts and icons as data: URIs.
 */
export const PLAYGROUND_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The policy for a page served to `host` (the request's Host header): browsers that do not
 * count same-host WebSockets as 'self' (older Safari) get the subscription socket named.
 * A Host that is not a plain host[:port] adds nothing.
 */
export function playgroundCsp(host: string | undefined): string {
  if (!host || !HOST.test(host)) return PLAYGROUND_CSP;
  return PLAYGROUND_CSP.replace("connect-src 'self'", `connect-src 'self' ws://${host} wss://${host}`);
}

interface AssetSource {
  /** Resolved against a package's root (package/...) or the project's playground/ folder. */
  from: { package: string; file: string } | { project: string };
  type: string;
}

const ASSETS: Record<string, AssetSource> = {
  'react.production.min.js': { from: { package: 'react', file: 'umd/react.production.min.js' }, type: 'text/javascript' },
  'react-dom.production.min.js': { from: { package: 'react-dom', file: 'umd/react-dom.production.min.js' }, type: 'text/javascript' },
  'graphiql.min.js': { from: { package: 'graphiql', file: 'graphiql.min.js' }, type: 'text/javascript' },
  'graphiql.min.css': { from: { package: 'graphiql', file: 'graphiql.min.css' }, type: 'text/css' },
  'playground.js': { from: { project: 'playground/playground.js' }, type: 'text/javascript' },
  'playground.css': { from: { project: 'playground/playground.css' }, type: 'text/css' },
};

const require = createRequire(import.meta.url);
// src/http/ and dist/http/ are both two levels below the project root.
const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function assetPath(source: AssetSource): string {
  if ('project' in source.from) return join(PROJECT_ROOT, source.from.project);
  return join(dirname(require.resolve(`${source.from.package}/package.json`)), source.from.file);
}

interface LoadedAsset {
  type: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

export interface PlaygroundOptions {
  /** GATEWAY_API_KEYS is set: the page opens its headers editor with an Authorization template. */
  keysRequired: boolean;
}

/** Serves the page and its assets; files are read and compressed once, on first use. */
export class Playground {
  private readonly loaded = new Map<string, LoadedAsset>();

  constructor(private readonly options: PlaygroundOptions) {}

  /** A browser asking for a page (not a GET query: that one has ?query= or ?documentId=). */
  static wantsPage(req: IncomingMessage): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const search = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    if (search.has('query') || search.has('documentId') || search.has('extensions')) return false;
    return /\btext\/html\b/i.test(req.headers.accept ?? '');
  }

  servePage(req: IncomingMessage, res: ServerResponse): void {
    const html = this.page();
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
      'content-security-policy': playgroundCsp(req.headers.host),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  /** True when `path` is one of the page's assets (and it was answered). */
  serveAsset(path: string, req: IncomingMessage, res: ServerResponse): boolean {
    if (!path.startsWith(PLAYGROUND_ASSET_PREFIX) || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const name = path.slice(PLAYGROUND_ASSET_PREFIX.length);
    const asset = this.asset(name);
    if (!asset) return false;
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, { etag: asset.etag });
      res.end();
      return true;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzip : asset.body;
    res.writeHead(200, {
      'content-type': `${asset.type}; charset=utf-8`,
      'content-length': body.length,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      vary: 'accept-encoding',
      etag: asset.etag,
      'cache-control': 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }

  /** Bytes of every asset, as stored and as sent gzipped (the IDE's size on the wire). */
  sizes(): { name: string; bytes: number; gzipBytes: number }[] {
    return Object.keys(ASSETS).map((name) => {
      const asset = this.asset(name) as LoadedAsset;
      return { name, bytes: asset.body.length, gzipBytes: asset.gzip.length };
    });
  }

  private asset(name: string): LoadedAsset | undefined {
    const source = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!source) return undefined;
    let asset = this.loaded.get(name);
    if (!asset) {
      const body = readFileSync(assetPath(source));
      const gzip = gzipSync(body);
      asset = { type: source.type, body, gzip, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
      this.loaded.set(name, asset);
    }
    return asset;
  }

  private page(): string {
    const asset = (name: string) => `graphql/playground/${name}`;
    const keysRequired = this.options.keysRequired ? 'true' : 'false';
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dixa gateway · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('graphiql.min.css')}">
<link rel="stylesheet" href="${asset('playground.css')}">
</head>
<body>
<div id="graphiql" data-keys-required="${keysRequired}" data-default-query="${escapeAttribute(DEFAULT_PLAYGROUND_QUERY)}">Loading the GraphQL IDE…</div>
<script src="${asset('react.production.min.js')}"></script>
<script src="${asset('react-dom.production.min.js')}"></script>
<script src="${asset('graphiql.min.js')}"></script>
<script src="${asset('playground.js')}"></script>
</body>
</html>
`;
  }
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '&#10;');
}

// The playground over plain HTTP: the page and its files come from the gateway with a strict
// CSP and no reference to another host, the page is open while queries need the key, GET
// queries still reach GraphQL, and production turns it all off unless asked for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYGROUND_CSP, playgroundCsp } from '../src/http/playground.js';
import { startHarness, type Harness } from './support/harness.js';

const KEY = 'playground-http-key';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { GATEWAY_API_KEYS: KEY } });
});
afterAll(() => h.close());

const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('playground over HTTP', () => {
  it('serves the page without the key, with a strict CSP, loading only its own files', async () => {
    h.resetCalls();
    const res = await fetch(`${h.url}/graphql`, { headers: html });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const host = new URL(h.url).host;
    expect(res.headers.get('content-security-policy')).toBe(playgroundCsp(host));
    expect(res.headers.get('content-security-policy')).toContain(`connect-src 'self' ws://${host} wss://${host};`);
    expect(PLAYGROUND_CSP).toMatch(/script-src 'self'(;|$)/);
    expect(PLAYGROUND_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const page = await res.text();
    expect(page).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script
    expect(page).not.toMatch(/https?:\/\//);
    expect(page).toContain('data-keys-required="true"');
    const assets = [...page.matchAll(/(?:src|href)="(graphql\/playground\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual([
      'graphql/playground/graphiql.min.css',
      'graphql/playground/playground.css',
      'graphql/playground/react.production.min.js',
      'graphql/playground/react-dom.production.min.js',
      'graphql/playground/graphiql.min.js',
      'graphql/playground/playground.js',
    ]);
    for (const asset of assets) {
      const file = await fetch(`${h.url}/${asset}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(file.status, asset).toBe(200);
      expect(file.headers.get('content-type')).toMatch(asset!.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      const body = await file.text();
      // CSS may only pull in data: URIs (fonts, icons), never another host.
      if (asset!.endsWith('.css')) expect(body).not.toMatch(/url\(\s*['"]?(?!data:)[a-z]+:/i);
      expect(body).not.toMatch(/@import\s+url\(\s*['"]?https?:/);
    }
    expect(h.dixaCalls()).toHaveLength(0);
  });

  it('names the WebSocket origin in the CSP only for a plain host[:port]', () => {
    expect(playgroundCsp('gateway.example:8443')).toContain("connect-src 'self' ws://gateway.example:8443 wss://gateway.example:8443;");
    expect(playgroundCsp('[::1]:4000')).toContain('ws://[::1]:4000');
    for (const bad of [undefined, '', 'evil; script-src *', 'a b', 'host/path', "x'"]) expect(playgroundCsp(bad)).toBe(PLAYGROUND_CSP);
  });

  it('answers an unknown asset with 404 and never serves files outside its list', async () => {
    expect((await fetch(`${h.url}/graphql/playground/nope.js`)).status).toBe(404);
    expect((await fetch(`${h.url}/graphql/playground/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${h.url}/graphql/playground/constructor`)).status).toBe(404);
  });

  it('revalidates assets by ETag', async () => {
    const first = await fetch(`${h.url}/graphql/playground/playground.js`);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${h.url}/graphql/playground/playground.js`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });

  it('keeps queries behind the key, also a GET query from a browser', async () => {
    const post = await h.gql('{ queues { name } }');
    expect(post.status).toBe(401);
    const get = await fetch(`${h.url}/graphql?query=${encodeURIComponent('{ queues { name } }')}`, { headers: { ...html, 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(401);
    const keyed = await fetch(`${h.url}/graphql?query=${encodeURIComponent('{ queues { name } }')}`, {
      headers: { ...html, 'apollo-require-preflight': 'true', authorization: `Bearer ${KEY}` },
    });
    expect(keyed.status).toBe(200);
    expect(((await keyed.json()) as any).data.queues).toHaveLength(3);
  });

  it('answers an operation name the document does not have with a 400, not a 500', async () => {
    const res = await h.gql('{ queues { name } }', undefined, { authorization: `Bearer ${KEY}` });
    expect(res.status).toBe(200);
    const wrong = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ query: '{ queues { name } }', operationName: 'Elsewhere' }),
    });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as any).errors[0].message).toMatch(/Elsewhere/);
  });
});

describe('playground in production', () => {
  it('is off unless GRAPHQL_PLAYGROUND=true', async () => {
    const off = await startHarness({ env: { NODE_ENV: 'production' } });
    const on = await startHarness({ env: { NODE_ENV: 'production', GRAPHQL_PLAYGROUND: 'true' } });
    try {
      const offPage = await fetch(`${off.url}/graphql`, { headers: html });
      expect(offPage.headers.get('content-type')).not.toMatch(/text\/html/);
      expect((await fetch(`${off.url}/graphql/playground/graphiql.min.js`)).status).toBe(404);
      const onPage = await fetch(`${on.url}/graphql`, { headers: html });
      expect(onPage.status).toBe(200);
      expect(onPage.headers.get('content-type')).toMatch(/text\/html/);
    } finally {
      await off.close();
      await on.close();
    }
  });
});

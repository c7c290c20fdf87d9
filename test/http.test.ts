// The HTTP surface beside GraphQL: health, readiness, the playground, unknown routes and
// malformed requests, each with a clean 4xx and no Dixa call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('http', () => {
  it('GET /healthz answers without calling Dixa; GET /readyz checks Dixa', async () => {
    h.resetCalls();
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(h.dixaCalls()).toHaveLength(0);
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    // Without a gateway key, readiness is a status and a code only (issue 11: no organization data).
    const body = await ready.json();
    expect(body).toMatchObject({ ok: true, status: 'ready', errorCode: null });
    expect(body).not.toHaveProperty('organization');
    expect(h.dixaCalls().length).toBeGreaterThan(0);
  });

  it('GET /graphql from a browser shows the playground', async () => {
    const res = await fetch(`${h.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/<html/i);
  });

  it('GET /graphql runs a query', async () => {
    const res = await fetch(`${h.url}/graphql?query=${encodeURIComponent('{ queues { id } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data.queues.length).toBeGreaterThan(0);
  });

  it('answers malformed requests with clean 4xx', async () => {
    h.resetCalls();
    const notJson = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as any).errors[0].message).toMatch(/not valid JSON/);
    const wrongType = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{ queues { id } }' });
    expect(wrongType.status).toBe(415);
    const huge = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ queues { id } } #${'x'.repeat(1_100_000)}` }) });
    expect(huge.status).toBe(413);
    const unknown = await fetch(`${h.url}/nope`);
    expect(unknown.status).toBe(404);
    const syntax = await h.gql('{ queues { id }');
    expect(syntax.status).toBe(400);
    expect(syntax.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(h.dixaCalls()).toHaveLength(0);
  });

  it('echoes a sane x-request-id and makes one otherwise', async () => {
    const given = await fetch(`${h.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await fetch(`${h.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('DIXA_API_VERSION', () => {
  it('beta puts every Dixa path under /beta', async () => {
    const beta = await startHarness({ env: { DIXA_API_VERSION: 'beta' } });
    try {
      const res = await beta.gql(`{ queues { id } searchConversations(first: 2) { nodes { id messages { id } } } }`);
      expect(res.errors).toBeUndefined();
      const paths = beta.dixaCalls().map((r) => r.path);
      expect(paths.length).toBeGreaterThan(3);
      for (const path of paths) expect(path).toMatch(/^\/beta\//);
    } finally {
      await beta.close();
    }
  });
});

describe('GET /metrics', () => {
  it('counts Dixa calls by route shape and status, operations and cache use, with no token or id in any label', async () => {
    const m = await startHarness();
    try {
      await m.gql(`{ searchConversations(first: 3) { nodes { id messages { id } } } }`);
      await m.gql(`{ conversation(id: "nope") { id } }`);
      const res = await fetch(`${m.url}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/dixa_requests_total\{method="POST",route="\/search\/conversations",status="200"\} 1/);
      expect(text).toMatch(/dixa_requests_total\{method="GET",route="\/conversations\/:id\/messages",status="200"\} 3/);
      expect(text).toMatch(/graphql_operations_total\{type="query",outcome="ok"\} 1/);
      expect(text).toMatch(/graphql_operations_total\{type="query",outcome="error"\} 1/);
      expect(text).toMatch(/gateway_cache_misses \d+/);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toMatch(/\/conversations\/\d/);
    } finally {
      await m.close();
    }
  });
});

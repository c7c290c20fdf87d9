// Security: caller keys, operation limits, hostile input and secrets. Every rejection is
// checked to have made no Dixa call.
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { listenRefusal, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createGateway } from '../src/server.js';
import { TOKEN, route, startHarness, type Harness } from './support/harness.js';

const KEY = 'k3y-for-tests-0123456789';

describe('caller authentication', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { GATEWAY_API_KEYS: `other-key, ${KEY}` } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.resetCalls());

  it('no key or a wrong key: HTTP 401 UNAUTHENTICATED and no Dixa call; the right key works', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer nope' }, { authorization: KEY }, { authorization: `Basic ${KEY}` }];
    for (const headers of attempts) {
      const res = await h.gql(`{ queues { id } }`, undefined, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect(h.dixaCalls()).toHaveLength(0);
    const ok = await h.gql(`{ queues { id } }`, undefined, { authorization: `Bearer ${KEY}` });
    expect(ok.status).toBe(200);
    expect(ok.data!.queues.length).toBeGreaterThan(0);
    const other = await h.gql(`{ queues { id } }`, undefined, { authorization: 'bearer other-key' });
    expect(other.status).toBe(200);
  });

  it('subscriptions need the key too: in connection_init, or in the upgrade request', async () => {
    const connect = (connectionParams?: Record<string, string>, headers?: Record<string, string>) =>
      new Promise<{ code?: number; data?: unknown }>((resolve) => {
        class KeyedSocket extends WebSocket {
          constructor(address: string, protocols?: string | string[]) {
            super(address, protocols, { headers });
          }
        }
        const client = createClient({
          url: `${h.url.replace('http', 'ws')}/graphql`,
          webSocketImpl: KeyedSocket,
          retryAttempts: 0,
          ...(connectionParams ? { connectionParams } : {}),
          on: { closed: (event) => resolve({ code: (event as { code: number }).code }) },
        });
        client.subscribe(
          { query: '{ __typename }' },
          { next: (value) => resolve({ data: value.data }), error: () => {}, complete: () => void client.dispose() },
        );
      });
    expect(await connect()).toEqual({ code: 4403 });
    expect(await connect({ authorization: 'Bearer nope' })).toEqual({ code: 4403 });
    expect(await connect({ authorization: `Bearer ${KEY}` })).toEqual({ data: { __typename: 'Query' } });
    expect(await connect(undefined, { authorization: `Bearer ${KEY}` })).toEqual({ data: { __typename: 'Query' } });
  });

  it('health endpoints stay open', async () => {
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
  });

  it('refuses to start on a non-loopback host without keys, saying why', async () => {
    expect(listenRefusal('0.0.0.0', [])).toMatch(/GATEWAY_API_KEYS/);
    expect(listenRefusal('0.0.0.0', ['k'])).toBeUndefined();
    expect(listenRefusal('127.0.0.1', [])).toBeUndefined();
    expect(listenRefusal('::1', [])).toBeUndefined();
    expect(() => loadConfig({ DIXA_API_TOKEN: 't', HOST: '0.0.0.0' })).toThrow(/HOST=0\.0\.0\.0 would expose the gateway.*GATEWAY_API_KEYS/);
    expect(loadConfig({ DIXA_API_TOKEN: 't', HOST: '0.0.0.0', GATEWAY_API_KEYS: 'k' }).host).toBe('0.0.0.0');
    // createGateway checks again, for configurations built in code.
    const config = { ...loadConfig({ DIXA_API_TOKEN: 't', LOG_LEVEL: 'silent' }), host: '0.0.0.0' };
    await expect(createGateway(config, createLogger('silent'))).rejects.toThrow(/GATEWAY_API_KEYS/);
  });
});

describe('operation limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_ALIASES: '3', GRAPHQL_MAX_ROOT_FIELDS: '4', GRAPHQL_MAX_COST: '400' } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.resetCalls());

  const expectRejected = async (query: string, pattern: RegExp, variables?: Record<string, unknown>) => {
    h.resetCalls();
    const res = await h.gql(query, variables);
    expect(res.status, query).toBe(400);
    expect(res.errors?.[0]?.extensions?.code, query).toBe('QUERY_TOO_COMPLEX');
    expect(res.errors?.[0]?.message).toMatch(pattern);
    expect(h.dixaCalls()).toHaveLength(0);
  };
  const expectAccepted = async (query: string, variables?: Record<string, unknown>) => {
    const res = await h.gql(query, variables);
    expect(res.errors?.find((e) => e.extensions?.code === 'QUERY_TOO_COMPLEX'), query).toBeUndefined();
  };

  it('depth: 6 passes, 7 is refused', async () => {
    await expectAccepted(`{ searchConversations(first: 1) { edges { node { messages { author { ... on Agent { id } } } } } } }`);
    await expectRejected(`{ searchConversations(first: 1) { edges { node { customer { conversations(first: 1) { nodes { id } } } } } } }`, /depth limit of 6/);
  });

  it('aliases: 3 pass, 4 are refused', async () => {
    await expectAccepted(`{ a: queues { id } b: queues { id } c: tags { id } }`);
    await expectRejected(`{ a: queues { id } b: queues { id } c: tags { id } d: agents { id } }`, /Aliases limit of 3/i);
  });

  it('root fields: 4 pass, 5 are refused, fragments included', async () => {
    await expectAccepted(`{ queues { id } tags { id } agents { id } dixaConnection { ok } }`);
    await expectRejected(`query { queues { id } ...F } fragment F on Query { tags { id } agents { id } dixaConnection { ok } conversation(id: "1") { id } }`, /5 root fields; the limit is 4/);
  });

  it('cost in Dixa calls: 391 estimated calls pass, 404 are refused (limit 400)', async () => {
    // Per conversation: its read 1 + customer 1 + messages 1 + 10 assumed messages x author 1 = 13.
    const query = `query($n: Int) { searchConversations(first: $n) { nodes { customer { id } messages { author { ... on Agent { id } } } } } }`;
    await expectAccepted(query, { n: 30 }); // 1 + 30 x 13 = 391
    await expectRejected(query, /about 404 Dixa calls; the limit is 400/, { n: 31 }); // 1 + 31 x 13
  });
});

describe('hostile input', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('ids that try to change the Dixa path are refused; the fake never sees an altered path', async () => {
    const attempts = ['../agents', '1/../../agents', '1?x=y', '1#frag', '12%2F..', '%2e%2e', '1 OR 1=1', ' 1', '1\n2'];
    for (const id of attempts) {
      const res = await h.gql(`query($id: ID!) { conversation(id: $id) { id } }`, { id });
      if (res.data?.conversation === undefined || res.errors) expect(res.errors?.[0]?.extensions?.code, id).toBe('BAD_USER_INPUT');
    }
    for (const id of ['../x', 'a/b', '00000000-0000-4000-8000-00000000000a/../../agents', '%2F']) {
      const res = await h.gql(`query($id: ID!) { customer(id: $id) { id } agent(id: $id) { id } }`, { id });
      expect(res.errors?.[0]?.extensions?.code, id).toBe('BAD_USER_INPUT');
    }
    for (const r of h.dixaCalls()) expect(route(r)).toMatch(/^\/conversations\/\d+$/);
  });

  it('search text: 500 characters pass, 501 are refused', async () => {
    h.resetCalls();
    const ok = await h.gql(`query($t: String) { searchConversations(text: $t, first: 1) { nodes { id } } }`, { t: 'x'.repeat(500) });
    expect(ok.errors).toBeUndefined();
    const calls = h.dixaCalls().length;
    const refused = await h.gql(`query($t: String) { searchConversations(text: $t, first: 1) { nodes { id } } }`, { t: 'x'.repeat(501) });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toMatch(/at most 500/);
    expect(h.dixaCalls()).toHaveLength(calls);
  });

  it('huge strings are refused before Dixa', async () => {
    h.resetCalls();
    const res = await h.gql(`query($t: String) { searchConversations(text: $t) { nodes { id } } }`, { t: 'x'.repeat(10_000) });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const email = await h.gql(`query($e: String!) { customerByEmail(email: $e) { id } }`, { e: `${'a'.repeat(5000)}@x.io` });
    expect(email.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(h.dixaCalls()).toHaveLength(0);
  });

  it('batched operations are refused', async () => {
    const res = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ queues { id } }' }, { query: '{ tags { id } }' }]),
    });
    expect(res.status).toBe(400);
  });

  it('a GET without a preflight header is refused (CSRF prevention)', async () => {
    const res = await fetch(`${h.url}/graphql?query=${encodeURIComponent('{ queues { id } }')}`);
    expect(res.status).toBe(400);
  });
});

describe('request body bound', () => {
  it('a body just under GRAPHQL_MAX_BODY_BYTES passes; just over gets 413', async () => {
    const h = await startHarness({ env: { GRAPHQL_MAX_BODY_BYTES: '2048' } });
    try {
      const body = (size: number) => {
        const base = JSON.stringify({ query: '{ queues { id } }#' });
        return JSON.stringify({ query: `{ queues { id } }#${'x'.repeat(size - base.length)}` });
      };
      const send = (text: string) => fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
      expect(Buffer.byteLength(body(2048))).toBe(2048);
      expect((await send(body(2048))).status).toBe(200);
      const over = await send(body(2049));
      expect(over.status).toBe(413);
      expect(((await over.json()) as any).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    } finally {
      await h.close();
    }
  });
});

describe('secrets', () => {
  it('the Dixa token, the gateway key and the webhook secret are nowhere in logs or responses, even at debug level', async () => {
    const secret = 'ab'.repeat(32);
    const h = await startHarness({ env: { LOG_LEVEL: 'debug', GATEWAY_API_KEYS: KEY, DIXA_WEBHOOK_SECRET: secret, DIXA_TOKEN_HEADER: 'true' } });
    try {
      const auth = { authorization: `Bearer ${KEY}` };
      const responses = [
        await h.gql(`{ dixaConnection { ok message } searchConversations(first: 3) { nodes { id messages { text } } } }`, undefined, auth),
        await h.gql(`{ conversation(id: "abc") { id } }`, undefined, auth),
        await h.gql(`{ queues { id } }`, undefined, { ...auth, 'x-dixa-token': 'another-secret-token' }),
        await h.gql(`{ queues { id } }`, undefined, { authorization: 'Bearer wrong-key-value' }),
      ];
      const everything = h.logs.join('\n') + JSON.stringify(responses);
      expect(h.logs.length).toBeGreaterThan(5);
      for (const value of [TOKEN, KEY, secret, 'another-secret-token', 'wrong-key-value']) expect(everything).not.toContain(value);
    } finally {
      await h.close();
    }
  });
});

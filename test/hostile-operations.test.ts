// Hostile operation shapes (issue 11 item 8): each gets a 4xx with a contract code and
// makes no Dixa call; none reaches the 500 path.
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

// The contract's codes, plus Apollo's own for an invalid document.
const CODES = ['QUERY_TOO_COMPLEX', 'BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED'];

async function post(body: Record<string, unknown> | string): Promise<{ status: number; code: unknown; message: unknown }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  const json = (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
  return { status: res.status, code: json.errors?.[0]?.extensions?.code, message: json.errors?.[0]?.message };
}

/** JSON text nested `depth` objects deep (built as text: JSON.stringify itself overflows on it). */
function nestedJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const SHAPES: Record<string, () => Record<string, unknown> | string> = {
  'variables nested 10,000 deep': () => `{"query":"{ queues { id } }","variables":{"deep":${nestedJson(10_000)}}}`,
  '2,000 nested inline fragments': () => ({ query: `{ ${'... on Query { '.repeat(2000)}queues { id }${' }'.repeat(2000)} }` }),
  '10,000 __typename aliases': () => ({ query: `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: __typename`).join(' ')} }` }),
  'two operations, no operationName': () => ({ query: 'query A { queues { id } } query B { tags { id } }' }),
  'two operations, an unknown operationName': () => ({ query: 'query A { queues { id } } query B { tags { id } }', operationName: 'C' }),
  'a 5,000-fragment cycle': () => ({
    query: `{ ...F0 } ${Array.from({ length: 5000 }, (_, i) => `fragment F${i} on Query { ...F${(i + 1) % 5000} }`).join(' ')}`,
  }),
  'a subscription over HTTP POST': () => ({ query: 'subscription { conversationEvents { id } }' }),
};

describe('hostile operations get a 4xx with a contract code, never a 500', () => {
  for (const [name, body] of Object.entries(SHAPES)) {
    it(name, async () => {
      h.resetCalls();
      const res = await post(body());
      expect(res.status, JSON.stringify(res)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(res)).toBeLessThan(500);
      expect(CODES, JSON.stringify(res)).toContain(res.code);
      expect(h.dixaCalls()).toHaveLength(0);
    });
  }

  it('__typename aliases count against the alias limit (GRAPHQL_MAX_ALIASES, 30)', async () => {
    const res = await post({ query: `{ ${Array.from({ length: 40 }, (_, i) => `t${i}: __typename`).join(' ')} }` });
    expect(res.status).toBe(400);
    expect(res.code).toBe('QUERY_TOO_COMPLEX');
    const within = await post({ query: `{ ${Array.from({ length: 30 }, (_, i) => `t${i}: __typename`).join(' ')} }` });
    expect(within.status).toBe(200);
  });
});

describe('a variable of the wrong shape is the caller\'s mistake, named as such', () => {
  it('an invalid DateTime variable: 400 BAD_USER_INPUT naming the variable (not QUERY_TOO_COMPLEX), no Dixa call', async () => {
    h.resetCalls();
    const res = await post({ query: 'mutation($u: DateTime!) { setFollowUp(id: "1000", until: $u) { id } }', variables: { u: 'yesterday' } });
    expect(res).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    expect(res.message).toMatch(/\$u.*yesterday/);
    expect(h.dixaCalls()).toHaveLength(0);
  });
});

describe('subscriptions over WebSocket get the same limits as HTTP', () => {
  /** The first error graphql-ws answers a subscribe message with. */
  async function subscribeError(query: string): Promise<{ code?: unknown; message?: unknown }> {
    const ws = createClient({ url: `${h.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      return await new Promise((resolve) => {
        ws.subscribe(
          { query },
          {
            next: () => resolve({ code: 'accepted' }),
            error: (errors) => {
              const first = (Array.isArray(errors) ? errors[0] : errors) as { message?: string; extensions?: { code?: string } };
              resolve({ code: first?.extensions?.code, message: first?.message });
            },
            complete: () => resolve({ code: 'completed' }),
          },
        );
        // An accepted subscription waits for events: give the refusal a moment, bounded.
        setTimeout(() => resolve({ code: 'accepted' }), 2000);
      });
    } finally {
      await ws.dispose();
    }
  }

  it('too many aliases: QUERY_TOO_COMPLEX, as over HTTP', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: id`).join(' ');
    expect(await subscribeError(`subscription { conversationEvents { ${aliases} } }`)).toMatchObject({ code: 'QUERY_TOO_COMPLEX' });
  });

  it('nesting past the text guard: QUERY_TOO_COMPLEX before parsing', async () => {
    expect(await subscribeError(`subscription { conversationEvents { ${'... on ConversationEvent { '.repeat(200)}id${' }'.repeat(200)} } }`)).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
    });
  });
});

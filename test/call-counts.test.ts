// Batching and caching, proven by counting the Dixa calls the fake received.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FakeWorld } from '../src/demo/fake-dixa/index.js';
import { TOKEN, countByShape, startHarness, type Harness } from './support/harness.js';

let h: Harness;
let world: FakeWorld;

beforeAll(async () => {
  h = await startHarness();
  world = h.fake.world(TOKEN);
});
afterAll(() => h.close());
beforeEach(() => {
  h.gateway.datasource.cache.clear();
  h.resetCalls();
});

export const INBOX = /* GraphQL */ `
  query Inbox {
    searchConversations(first: 25) {
      nodes {
        id state channel subject
        customer { id displayName email }
        assignee { id displayName }
        queue { id name }
        tags { id name }
        messages { id text direction createdAt }
      }
      pageInfo { hasNextPage endCursor }
    }
  }`;

describe('the inbox query', () => {
  it('costs 1 search + 25 x (conversation, messages, tags) + distinct customers + 1 agents + 1 queues, then zero when warm', async () => {
    const cold = await h.gql(INBOX);
    expect(cold.errors).toBeUndefined();
    const nodes = cold.data!.searchConversations.nodes as { id: string; customer: { id: string } | null }[];
    expect(nodes).toHaveLength(25);
    const customers = new Set(nodes.map((n) => world.conversations.get(Number(n.id))!.requesterId));

    const counts = countByShape(h.dixaCalls());
    expect(counts).toEqual({
      'POST /search/conversations': 1,
      'GET /conversations/:id': 25,
      'GET /conversations/:id/messages': 25,
      'GET /conversations/:id/tags': 25,
      'GET /endusers/:uuid': customers.size,
      'GET /agents': 1,
      'GET /queues': 1,
    });
    expect(h.dixaCalls()).toHaveLength(3 + 75 + customers.size);

    h.resetCalls();
    const warm = await h.gql(INBOX);
    expect(warm.data).toEqual(cold.data);
    expect(h.dixaCalls()).toHaveLength(0);
  });

  it('two identical concurrent requests make each Dixa call once', async () => {
    const [a, b] = await Promise.all([h.gql(INBOX), h.gql(INBOX)]);
    expect(a.data).toEqual(b.data);
    const counts = countByShape(h.dixaCalls());
    expect(counts['POST /search/conversations']).toBe(1);
    expect(counts['GET /conversations/:id']).toBe(25);
    expect(counts['GET /conversations/:id/messages']).toBe(25);
    expect(counts['GET /agents']).toBe(1);
  });
});

describe('within one operation', () => {
  it('fetches a conversation named several times (aliases, lists, relations) once', async () => {
    const [a, b] = [...world.conversations.keys()];
    const res = await h.gql(
      `query($a: ID!, $b: ID!) {
        x: conversation(id: $a) { id messages { id } customer { id } }
        y: conversation(id: $a) { id tags { id } customer { id email } }
        conversations(ids: [$a, $b, $a]) { id messages { id } }
      }`,
      { a: String(a), b: String(b) },
    );
    expect(res.errors).toBeUndefined();
    const counts = countByShape(h.dixaCalls());
    expect(counts['GET /conversations/:id']).toBe(2);
    expect(counts['GET /conversations/:id/messages']).toBe(2);
    expect(counts['GET /conversations/:id/tags']).toBe(1);
  });

  it('resolves message authors from the customer read and one agent list', async () => {
    const c = [...world.conversations.values()].find((c) => {
      const msgs = world.messages.get(c.id) ?? [];
      return msgs.some((m) => m.authorId === c.requesterId) && msgs.some((m) => world.agents.has(m.authorId));
    })!;
    const res = await h.gql(
      `query($id: ID!) { conversation(id: $id) { customer { id } messages { author { __typename ... on Agent { id } ... on Customer { id } } } } }`,
      { id: String(c.id) },
    );
    expect(res.errors).toBeUndefined();
    const types = new Set(res.data!.conversation.messages.map((m: any) => m.author?.__typename));
    expect(types).toEqual(new Set(['Agent', 'Customer']));
    expect(countByShape(h.dixaCalls())).toEqual({
      'GET /conversations/:id': 1,
      'GET /conversations/:id/messages': 1,
      'GET /endusers/:uuid': 1,
      'GET /agents': 1,
    });
  });
});

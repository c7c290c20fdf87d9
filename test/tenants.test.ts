// Tokens partition everything cached: what one token read is never served to another.
// Two Dixa organizations behind one fake, one gateway with DIXA_TOKEN_HEADER on.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedWorld } from '../src/demo/fake-dixa/index.js';
import { TOKEN, route, startHarness, type Harness } from './support/harness.js';

const TOKEN_B = 'token-of-organization-b';
let h: Harness;

beforeAll(async () => {
  const a = seedWorld({ seed: 1 });
  const b = seedWorld({ seed: 2 });
  h = await startHarness({ env: { DIXA_TOKEN_HEADER: 'true' }, fake: { tenants: [{ token: TOKEN, world: a }, { token: TOKEN_B, world: b }] } });
});
afterAll(() => h.close());
beforeEach(() => h.resetCalls());

const READ = `query($id: ID!) { conversation(id: $id) { id subject customer { id email } } }`;

describe('token partitioning', () => {
  it("B never gets A's cached conversation: B's read makes its own Dixa call and gets B's answer", async () => {
    const worldA = h.fake.world(TOKEN);
    const worldB = h.fake.world(TOKEN_B);
    const [onlyA] = [...worldA.conversations.keys()].filter((id) => !worldB.conversations.has(id));
    const shared = [...worldA.conversations.keys()].find((id) => worldB.conversations.has(id) && worldB.conversations.get(id)!.requesterId !== worldA.conversations.get(id)!.requesterId);
    // If the seeds happen to overlap fully, drop one conversation from B to make the case.
    const hidden = onlyA ?? (() => {
      const id = [...worldA.conversations.keys()].at(-1)!;
      worldB.conversations.delete(id);
      return id;
    })();

    const a = await h.gql(READ, { id: String(hidden) });
    expect(a.data!.conversation.id).toBe(String(hidden));
    h.resetCalls();
    const b = await h.gql(READ, { id: String(hidden) }, { 'x-dixa-token': TOKEN_B });
    expect(b.data!.conversation).toBeNull();
    const calls = h.dixaCalls();
    expect(calls.map((r) => [r.token, route(r)])).toEqual([[TOKEN_B, `/conversations/${hidden}`]]);

    if (shared !== undefined) {
      const fromA = await h.gql(READ, { id: String(shared) });
      const fromB = await h.gql(READ, { id: String(shared) }, { 'x-dixa-token': TOKEN_B });
      expect(fromA.data!.conversation.customer.id).toBe(worldA.conversations.get(shared)!.requesterId);
      expect(fromB.data!.conversation.customer.id).toBe(worldB.conversations.get(shared)!.requesterId);
    }
  });

  it('directory lists are per token too', async () => {
    const a = await h.gql(`{ agents { id } dixaConnection { organization { name } } }`);
    const b = await h.gql(`{ agents { id } dixaConnection { organization { name } } }`, undefined, { 'x-dixa-token': TOKEN_B });
    expect(a.data!.agents).not.toEqual(b.data!.agents);
    expect(b.data!.agents.map((x: any) => x.id).sort()).toEqual([...h.fake.world(TOKEN_B).agents.keys()].sort());
  });

  it('cache keys hold a fingerprint of the token, never the token', async () => {
    await h.gql(`{ queues { id } }`, undefined, { 'x-dixa-token': TOKEN_B });
    const keys = [...(h.gateway.datasource.cache.store as any).lru.keys()] as string[];
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(TOKEN);
      expect(key).not.toContain(TOKEN_B);
      expect(key).toMatch(/^[0-9a-f]{64}:/);
    }
  });

  it('a token Dixa rejects gets DIXA_AUTH_FAILED with the fix, and the token is not echoed', async () => {
    const res = await h.gql(`{ conversation(id: "1000") { id } }`, undefined, { 'x-dixa-token': 'wrong-token-123' });
    expect(res.errors?.[0]?.extensions?.code).toBe('DIXA_AUTH_FAILED');
    expect(res.errors?.[0]?.message).toMatch(/Settings > Manage > Integrations > API Tokens/);
    expect(JSON.stringify(res)).not.toContain('wrong-token-123');
  });
});

describe('per-token writes and limits', () => {
  it("an idempotency key used by A does not answer B's reply with A's result", async () => {
    const a = h.fake.world(TOKEN);
    const b = h.fake.world(TOKEN_B);
    const h2 = await startHarness({
      env: { DIXA_TOKEN_HEADER: 'true', DIXA_ACCESS: 'read-write' },
      fake: { tenants: [{ token: TOKEN, world: a }, { token: TOKEN_B, world: b }] },
    });
    try {
      const REPLY = `mutation($input: ReplyToConversationInput!) { replyToConversation(input: $input) { message { id text } conversation { id } } }`;
      const chatIn = (world: typeof a) => [...world.conversations.values()].find((c) => c.channel === 'WidgetChat' && c.state === 'Open')!;
      const agentIn = (world: typeof a) => [...world.agents.keys()][0]!;
      const input = (world: typeof a, content: string) => ({ conversationId: String(chatIn(world).id), content, agentId: agentIn(world), idempotencyKey: 'shared-key-1' });
      const fromA = await h2.gql(REPLY, { input: input(a, 'from A') });
      const fromB = await h2.gql(REPLY, { input: input(b, 'from B') }, { 'x-dixa-token': TOKEN_B });
      expect(fromA.errors).toBeUndefined();
      expect(fromB.errors).toBeUndefined();
      expect(fromB.data!.replyToConversation.message.text).toBe('from B');
      expect(fromB.data!.replyToConversation.message.id).not.toBe(fromA.data!.replyToConversation.message.id);
      const posts = h2.dixaCalls((r) => r.method === 'POST');
      expect(posts.map((r) => r.token)).toEqual([TOKEN, TOKEN_B]);
    } finally {
      await h2.close();
    }
  });

  it("A exhausting its rate-limit bucket does not slow B", async () => {
    const h2 = await startHarness({
      env: { DIXA_TOKEN_HEADER: 'true', DIXA_RATE_LIMIT: '1/2', DIXA_RATE_LIMIT_MAX_WAIT_MS: '100' },
      fake: { tenants: [{ token: TOKEN, world: h.fake.world(TOKEN) }, { token: TOKEN_B, world: h.fake.world(TOKEN_B) }] },
    });
    try {
      const ids = [...h.fake.world(TOKEN).conversations.keys()].slice(0, 5).map(String);
      const a = await h2.gql(`query($ids: [ID!]!) { conversations(ids: $ids) { id } }`, { ids });
      expect(a.errors?.some((e) => e.extensions?.code === 'RATE_LIMITED')).toBe(true);
      const b = await h2.gql(`{ queues { id } }`, undefined, { 'x-dixa-token': TOKEN_B });
      expect(b.errors).toBeUndefined();
    } finally {
      await h2.close();
    }
  });
});

// The two-level cache across replicas (issue 12 item 4): each replica's in-process cache is
// the first level, Redis the second; what one replica read costs the others no Dixa call, a
// restarted replica starts warm, and a change on one replica reaches every first level.
// Counted from the fake Dixa's log; three gateways, one fake, one private Redis.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { findConversation, seedWorld, signDixaWebhook, webhookPayload, type FakeWorld } from '../src/demo/fake-dixa/index.js';
import { open, seal } from '../src/redis/sealed-box.js';
import { deriveTenantKeys } from '../src/redis/tenant-keys.js';
import { TOKEN } from './support/harness.js';
import { hasRedis } from './support/redis.js';
import { startReplicas, type Replicas } from './support/replicas.js';

const world: FakeWorld = seedWorld();
const [AGENT] = [...world.agents.keys()] as [string];
const CONVERSATION = /* GraphQL */ `query One($id: ID!) { conversation(id: $id) { id state subject messages { id text } tags { name } } }`;
const INBOX = /* GraphQL */ `
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
const CLOSE = /* GraphQL */ `mutation Close($id: ID!) { closeConversation(id: $id) { id state } }`;

describe.skipIf(!hasRedis)('three replicas, one Redis: the second cache level', () => {
  let r: Replicas;

  beforeAll(async () => {
    r = await startReplicas(3, {
      env: { DIXA_ACCESS: 'read-write', DIXA_DEFAULT_AGENT_ID: AGENT },
      fake: { tenants: [{ token: TOKEN, world }] },
    });
  });
  afterAll(() => r?.close());
  beforeEach(() => r.resetCalls());

  it('a conversation read on replica 1 costs replicas 2 and 3 no Dixa call', async () => {
    const c = findConversation(world, (x) => x.state === 'Open');
    const first = await r.gql(0, CONVERSATION, { id: String(c.id) });
    expect(first.errors).toBeUndefined();
    expect(r.dixaCalls().length).toBeGreaterThan(0);

    r.resetCalls();
    const second = await r.gql(1, CONVERSATION, { id: String(c.id) });
    const third = await r.gql(2, CONVERSATION, { id: String(c.id) });
    expect(second.data).toEqual(first.data);
    expect(third.data).toEqual(first.data);
    expect(r.dixaCalls()).toHaveLength(0);
  });

  it('three replicas missing the same conversation at once make one Dixa read of it', async () => {
    const c = findConversation(world, (x) => x.state === 'Closed');
    const answers = await Promise.all([0, 1, 2].map((i) => r.gql(i, CONVERSATION, { id: String(c.id) })));
    for (const answer of answers) expect(answer.data).toEqual(answers[0]!.data);
    expect(r.dixaCalls((call) => call.method === 'GET' && call.path.endsWith(`/conversations/${c.id}`))).toHaveLength(1);
    expect(r.dixaCalls((call) => call.method === 'GET' && call.path.endsWith(`/conversations/${c.id}/messages`))).toHaveLength(1);
  });

  it('all replicas restarted: the inbox costs 0 Dixa calls', async () => {
    const cold = await r.gql(0, INBOX);
    expect(cold.errors).toBeUndefined();
    expect(cold.data!.searchConversations.nodes).toHaveLength(25);

    for (let i = 0; i < 3; i++) await r.restart(i);
    r.resetCalls();
    for (let i = 0; i < 3; i++) {
      const warm = await r.gql(i, INBOX);
      expect(warm.data).toEqual(cold.data);
    }
    expect(r.dixaCalls()).toHaveLength(0);
  });

  it('a conversation closed on replica 1 reads CLOSED on replicas 2 and 3 within 2 s, with 0 Dixa calls', async () => {
    const c = findConversation(world, (x) => x.state === 'Open' && x.channel === 'Email');
    for (let i = 0; i < 3; i++) expect((await r.gql(i, CONVERSATION, { id: String(c.id) })).data!.conversation.state).toBe('OPEN');

    const closed = await r.gql(0, CLOSE, { id: String(c.id) });
    expect(closed.data!.closeConversation).toEqual({ id: String(c.id), state: 'CLOSED' });
    r.resetCalls();
    await vi.waitFor(
      async () => {
        for (const i of [1, 2]) expect((await r.gql(i, CONVERSATION, { id: String(c.id) })).data!.conversation.state).toBe('CLOSED');
      },
      { timeout: 2_000, interval: 20 },
    );
    expect(r.dixaCalls()).toHaveLength(0);
  });
});

describe.skipIf(!hasRedis)('three replicas, one Redis: a webhook delivered to one replica', () => {
  const SECRET = 'ab'.repeat(32);
  const own = seedWorld();
  let r: Replicas;
  beforeAll(async () => {
    r = await startReplicas(3, { env: { DIXA_WEBHOOK_SECRET: SECRET }, fake: { tenants: [{ token: TOKEN, world: own }] } });
  });
  afterAll(() => r?.close());

  it('a CONVERSATION_CLOSED delivered to replica 1 reads CLOSED on replicas 2 and 3 within 2 s, with 0 Dixa calls', async () => {
    const c = findConversation(own, (x) => x.state === 'Open' && x.channel === 'Email');
    for (let i = 0; i < 3; i++) expect((await r.gql(i, CONVERSATION, { id: String(c.id) })).data!.conversation.state).toBe('OPEN');
    const payload = webhookPayload(own, { kind: 'ConversationClosed', token: TOKEN, conversationId: c.id }) as { data: { conversation: { status: string } } };
    payload.data.conversation.status = 'CLOSED';
    const body = JSON.stringify(payload);
    r.resetCalls();
    const res = await fetch(`${r.replicas[0]!.url}/webhooks/dixa`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dixa-signature': signDixaWebhook(body, SECRET) },
      body,
    });
    expect(res.status).toBe(200);
    await vi.waitFor(
      async () => {
        for (const i of [1, 2]) expect((await r.gql(i, CONVERSATION, { id: String(c.id) })).data!.conversation.state).toBe('CLOSED');
      },
      { timeout: 2_000, interval: 20 },
    );
    expect(r.dixaCalls()).toHaveLength(0);
  });
});

describe('sealed entries', () => {
  it("one tenant's key does not open another's entry, nor an entry moved to another name", () => {
    const a = deriveTenantKeys('token-of-tenant-a');
    const b = deriveTenantKeys('token-of-tenant-b');
    const sealed = seal(a.value, 'dixa-gw:{fa}:cache:x', JSON.stringify({ v: { email: 'ann@example.com' } }));
    expect(sealed).not.toContain('ann@example.com');
    expect(open(a.value, 'dixa-gw:{fa}:cache:x', sealed)).toBe(JSON.stringify({ v: { email: 'ann@example.com' } }));
    expect(open(b.value, 'dixa-gw:{fa}:cache:x', sealed)).toBeUndefined();
    expect(open(a.value, 'dixa-gw:{fa}:cache:y', sealed)).toBeUndefined();
    expect(deriveTenantKeys(' token-of-tenant-a ').value.equals(a.value)).toBe(true);
  });
});

// What Redis holds, and what happens while it is away (issue 12 items 2-4, 6): a dump
// after a mixed workload shows no token, customer e-mail or message text; with Redis
// stopped, cached reads answer, a reply is refused with STATE_UNAVAILABLE before anything
// is sent, and everything works again once Redis is back, without a restart.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SUPPORT_EMAIL, findConversation, seedWorld, type FakeWorld, type RecordedRequest } from '../src/demo/fake-dixa/index.js';
import type { RedisRateBudget } from '../src/datasources/dixa/redis-rate-budget.js';
import { TOKEN, route } from './support/harness.js';
import { hasRedis } from './support/redis.js';
import { startReplicas, type Replicas } from './support/replicas.js';

const world: FakeWorld = seedWorld();
const [AGENT] = [...world.agents.keys()] as [string];

const CONVERSATION = /* GraphQL */ `query One($id: ID!) { conversation(id: $id) { id state subject customer { email } messages { id text } } }`;
const INBOX = /* GraphQL */ `query { searchConversations(first: 20) { nodes { id subject customer { email displayName } messages { text } } } }`;
const BY_EMAIL = /* GraphQL */ `query ByEmail($email: String!) { customerByEmail(email: $email) { id email displayName } }`;
const REPLY = /* GraphQL */ `
  mutation Reply($input: ReplyToConversationInput!) {
    replyToConversation(input: $input) { message { id text externalId } }
  }`;
const CREATE = /* GraphQL */ `
  mutation Create($input: CreateConversationInput!) { createConversation(input: $input) { conversation { id } } }`;

let n = 0;
const unique = (): string => `${Date.now()}-${++n}`;

describe.skipIf(!hasRedis)('three replicas and what Redis holds', () => {
  let r: Replicas;
  const posts = (): RecordedRequest[] => r.dixaCalls((c) => c.method === 'POST' && /\/messages$/.test(route(c)));

  beforeAll(async () => {
    r = await startReplicas(3, {
      env: { DIXA_ACCESS: 'read-write', DIXA_DEFAULT_AGENT_ID: AGENT, DIXA_REPLY_CHANNELS: 'EMAIL,WIDGET_CHAT' },
      fake: { tenants: [{ token: TOKEN, world }] },
    });
  });
  afterAll(() => r?.close());
  beforeEach(() => r.resetCalls());

  it('after a mixed workload no token, customer e-mail or message text appears anywhere in a Redis dump', async () => {
    const inbox = await r.gql(0, INBOX);
    expect(inbox.errors).toBeUndefined();
    const c = findConversation(world, (x) => x.channel === 'WidgetChat');
    expect((await r.gql(1, CONVERSATION, { id: String(c.id) })).errors).toBeUndefined();
    const someone = [...world.endUsers.values()].find((u) => u.email)!;
    expect((await r.gql(2, BY_EMAIL, { email: someone.email })).data!.customerByEmail.email).toBe(someone.email);
    const replyText = `A private reply ${unique()}`;
    const reply = await r.gql(1, REPLY, { input: { conversationId: String(c.id), content: replyText, idempotencyKey: `dump-${unique()}` } });
    expect(reply.errors).toBeUndefined();
    const email = `secret.${unique()}@example.com`;
    const created = await r.gql(2, CREATE, {
      input: {
        channel: 'EMAIL',
        customer: { email, displayName: 'Sally Secret' },
        subject: 'A confidential matter',
        content: `Confidential content ${unique()}`,
        emailIntegrationId: SUPPORT_EMAIL,
        idempotencyKey: `dump-create-${unique()}`,
      },
    });
    expect(created.errors).toBeUndefined();
    expect((await r.gql(0, CONVERSATION, { id: created.data!.createConversation.conversation.id })).errors).toBeUndefined();

    const dump = await r.redis.dump();
    // Cache entries and idempotency records are there, sealed.
    expect(dump.filter((e) => e.key.includes(':cache:')).length).toBeGreaterThan(20);
    expect(dump.filter((e) => e.key.includes(':idem:')).length).toBe(2);
    const everything = dump.map((e) => `${e.key}\n${e.value}`).join('\n');
    const secrets = [
      TOKEN,
      replyText,
      email,
      someone.email!,
      ...[...world.endUsers.values()].flatMap((u) => (u.email ? [u.email] : [])),
      // Every message text the workload read (and so cached), long enough not to match by chance.
      ...(inbox.data!.searchConversations.nodes as { messages: { text: string | null }[] }[])
        .flatMap((node) => node.messages.map((m) => m.text ?? ''))
        .filter((text) => text.length >= 12),
    ];
    expect(secrets.length).toBeGreaterThan(40);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('Redis stopped: cached reads answer, a reply is refused with STATE_UNAVAILABLE and nothing is sent; all recovers without a restart', async () => {
    const c = findConversation(world, (x) => x.channel === 'WidgetChat' && x.state === 'Open');
    const warm = await Promise.all([0, 1, 2].map((i) => r.gql(i, CONVERSATION, { id: String(c.id) })));
    r.resetCalls();

    await r.redis.stop();
    const stoppedAt = Date.now();
    try {
      for (let i = 0; i < 3; i++) {
        const read = await r.gql(i, CONVERSATION, { id: String(c.id) });
        expect(read.data).toEqual(warm[i]!.data);
      }
      expect(r.dixaCalls()).toHaveLength(0);
      // A read nobody cached still works: Dixa answers, within this replica's share of the budget.
      const other = findConversation(world, (x) => x.id !== c.id);
      expect((await r.gql(1, CONVERSATION, { id: String(other.id) })).data!.conversation.id).toBe(String(other.id));
      expect((r.replicas[1]!.gateway.stores.rateBudget as RedisRateBudget).usingFallback).toBe(true);

      const input = { conversationId: String(c.id), content: 'While Redis is away', idempotencyKey: `outage-${unique()}` };
      const refused = await r.gql(0, REPLY, { input });
      expect(refused.errors?.[0]?.extensions?.code).toBe('STATE_UNAVAILABLE');
      expect(posts()).toHaveLength(0);
      // Away for a few seconds, long enough for the clients' reconnect backoff to grow.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3_000 - (Date.now() - stoppedAt))));
    } finally {
      await r.redis.start();
    }

    // Back without a restart: each replica reconnects by itself; a reply goes through once, on any replica.
    await vi.waitFor(() => expect(r.replicas.every((x) => x.gateway.stores.redis!.isReady())).toBe(true), { timeout: 15_000, interval: 50 });
    const input = { conversationId: String(c.id), content: 'Once Redis is back', idempotencyKey: `outage-${unique()}` };
    const sent = await r.gql(2, REPLY, { input });
    expect(sent.errors).toBeUndefined();
    expect(posts()).toHaveLength(1);
    expect((await r.gql(0, REPLY, { input })).data!.replyToConversation.message).toEqual(sent.data!.replyToConversation.message);
    expect(posts()).toHaveLength(1);

    // The shared budget and the second cache level are back: a read on one replica costs the others nothing.
    const fresh = findConversation(world, (x) => x.id !== c.id && x.channel === 'Email');
    expect((await r.gql(0, CONVERSATION, { id: String(fresh.id) })).errors).toBeUndefined();
    expect((r.replicas[0]!.gateway.stores.rateBudget as RedisRateBudget).usingFallback).toBe(false);
    r.resetCalls();
    for (const i of [1, 2]) expect((await r.gql(i, CONVERSATION, { id: String(fresh.id) })).data!.conversation.id).toBe(String(fresh.id));
    expect(r.dixaCalls()).toHaveLength(0);
  }, 40_000);
});

// Shared idempotency across replicas (issue 12 item 3): records live in Redis, so a key used
// on one replica protects a retry on another; concurrent requests with one key send one
// write; a replica killed mid-write leaves a lease that runs out, and the retry elsewhere
// resumes without a duplicate. Counted from the fake Dixa's log and its world.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ATTRIBUTE_ORDER_NUMBER, SUPPORT_EMAIL, activeTags, findConversation, seedWorld, type FakeWorld, type RecordedRequest } from '../src/demo/fake-dixa/index.js';
import { IdempotencyKeyBusyError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { openRedis, type RedisConnection } from '../src/redis/connection.js';
import { RedisIdempotencyStore } from '../src/writes/redis-idempotency-store.js';
import { deriveTenantKeys } from '../src/redis/tenant-keys.js';
import { TOKEN, route } from './support/harness.js';
import { hasRedis, startRedis, type TestRedis } from './support/redis.js';
import { startReplicas, type Replicas } from './support/replicas.js';

const world: FakeWorld = seedWorld();
const [AGENT] = [...world.agents.keys()] as [string];
const QUEUE = [...world.queues.values()].find((q) => !q.isDefault)!.id;
const ORDER_ATTRIBUTE = [...world.customAttributeDefinitions.values()].find((d) => d.identifier === ATTRIBUTE_ORDER_NUMBER)!.id;
const SEEDED_TAG = activeTags(world)[0]!.name;

const REPLY = /* GraphQL */ `
  mutation Reply($input: ReplyToConversationInput!) {
    replyToConversation(input: $input) { message { id text externalId } conversation { id } }
  }`;
const CREATE = /* GraphQL */ `
  mutation Create($input: CreateConversationInput!) {
    createConversation(input: $input) {
      conversation { id queue { id } tags { name } notes { message } messages { externalId } }
    }
  }`;

let n = 0;
const unique = (): string => `${Date.now()}-${++n}`;

function escalation(): Record<string, unknown> {
  const id = unique();
  return {
    channel: 'EMAIL',
    customer: { email: `replica.${id}@example.com`, displayName: 'Rita Replica' },
    subject: 'Escalated: broken stove',
    content: 'The stove does not light.',
    emailIntegrationId: SUPPORT_EMAIL,
    note: `Applied summary ${id}`,
    tags: [SEEDED_TAG],
    queueId: QUEUE,
    customAttributes: { [ORDER_ATTRIBUTE]: `A-${id}` },
    idempotencyKey: `replica-${id}`,
  };
}

describe.skipIf(!hasRedis)('three replicas, one Redis: shared idempotency', () => {
  let r: Replicas;
  const messagePosts = (id: number): RecordedRequest[] => r.dixaCalls((c) => c.method === 'POST' && route(c) === `/conversations/${id}/messages`);
  const creates = (): RecordedRequest[] => r.dixaCalls((c) => c.method === 'POST' && route(c) === '/conversations');

  beforeAll(async () => {
    r = await startReplicas(3, {
      env: { DIXA_ACCESS: 'read-write', DIXA_DEFAULT_AGENT_ID: AGENT, DIXA_REPLY_CHANNELS: 'EMAIL,WIDGET_CHAT', DIXA_HEADERS_TIMEOUT_MS: '60000', DIXA_RETRY_BASE_DELAY_MS: '0' },
      fake: { tenants: [{ token: TOKEN, world }] },
    });
  });
  afterAll(() => r?.close());
  beforeEach(() => {
    r.fake.faults.clear();
    r.resetCalls();
  });

  it('one reply key on every replica: one POST, the same message everywhere; changed content is IDEMPOTENCY_CONFLICT', async () => {
    const c = findConversation(world, (x) => x.channel === 'WidgetChat');
    const input = { conversationId: String(c.id), content: 'Sent once, whatever the replica', idempotencyKey: `reply-${unique()}` };
    const first = await r.gql(0, REPLY, { input });
    expect(first.errors).toBeUndefined();
    for (const i of [1, 2]) {
      const again = await r.gql(i, REPLY, { input });
      expect(again.errors).toBeUndefined();
      expect(again.data!.replyToConversation.message).toEqual(first.data!.replyToConversation.message);
    }
    const changed = await r.gql(2, REPLY, { input: { ...input, content: 'Something else' } });
    expect(changed.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(messagePosts(c.id)).toHaveLength(1);
    expect((world.messages.get(c.id) ?? []).filter((m) => m.externalId === input.idempotencyKey)).toHaveLength(1);
  });

  it('one reply key sent to three replicas at once: one POST; the others are told to retry, and their retry answers the message', async () => {
    const c = findConversation(world, (x) => x.channel === 'WidgetChat');
    const input = { conversationId: String(c.id), content: 'Three at once', idempotencyKey: `reply-${unique()}` };
    // The POST is held a moment so the three requests overlap at Dixa's door.
    r.fake.faults.add({ method: 'POST', path: `/conversations/${c.id}/messages`, delayMs: 300 });
    const answers = await Promise.all([0, 1, 2].map((i) => r.gql(i, REPLY, { input })));
    const sent = answers.filter((a) => !a.errors);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (const a of answers.filter((x) => x.errors)) expect(a.errors![0]!.extensions!.code).toBe('IDEMPOTENCY_CONFLICT');
    for (const i of [0, 1, 2]) {
      const retry = await r.gql(i, REPLY, { input });
      expect(retry.data!.replyToConversation.message).toEqual(sent[0]!.data!.replyToConversation.message);
    }
    expect(messagePosts(c.id)).toHaveLength(1);
  });

  it('createConversation killed on replica 1 while Dixa holds the conversation but has not answered, retried on replica 2: one conversation', async () => {
    const input = emailed(escalation());
    r.fake.faults.add({ method: 'POST', path: '/conversations', afterHandling: true, hang: true });
    const client = new AbortController();
    const inFlight = fetch(`${r.replicas[0]!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: CREATE, variables: { input } }),
      signal: client.signal,
    }).catch(() => undefined);
    await vi.waitFor(() => expect(creates()).toHaveLength(1), { timeout: 10_000, interval: 10 });

    // kill: the replica's record store stops at once (no more saves, no lease renewal), as a dead process's would.
    await r.replicas[0]!.gateway.stores.idempotency.close();
    client.abort();
    await inFlight;
    // A new replica 1 takes the place of the dead one (it must not resume the write by itself).
    await r.restart(0);

    // Until the dead replica's lease runs out the key is in use; then the retry resumes.
    let resumed = await r.gql(1, CREATE, { input });
    await vi.waitFor(
      async () => {
        if (resumed.errors) resumed = await r.gql(1, CREATE, { input });
        expect(resumed.errors).toBeUndefined();
      },
      { timeout: 15_000, interval: 250 },
    );
    const got = resumed.data!.createConversation.conversation;
    const email = (input.customer as { email: string }).email;
    const requesters = new Set([...world.endUsers.values()].filter((u) => u.email === email).map((u) => u.id));
    expect(requesters.size).toBe(1);
    expect([...world.conversations.values()].filter((x) => requesters.has(x.requesterId)).map((x) => String(x.id))).toEqual([got.id]);
    expect(creates()).toHaveLength(1);
    expect(got.messages).toEqual([{ externalId: input.idempotencyKey }]);
    expect(got.notes).toEqual([{ message: input.note }]);
  }, 40_000);
});

/** The input, typed loosely for the assertions. */
function emailed(input: Record<string, unknown>): Record<string, unknown> & { idempotencyKey: string; note: string } {
  return input as Record<string, unknown> & { idempotencyKey: string; note: string };
}

describe.skipIf(!hasRedis)('RedisIdempotencyStore leases (two replicas, a short lease)', () => {
  let server: TestRedis;
  let redis: RedisConnection;
  const stores: RedisIdempotencyStore[] = [];
  const LEASE = 600;
  const open = () => {
    const store = new RedisIdempotencyStore(redis, { ttlMs: 3_600_000, maxKeysPerToken: 100, leaseMs: LEASE, keys: deriveTenantKeys });
    stores.push(store);
    return store;
  };
  const ref = (key: string) => ({ scope: 'fp-lease', kind: 'createConversation' as const, key });

  beforeAll(async () => {
    server = await startRedis();
    redis = openRedis(server.url, createLogger('silent'));
    await vi.waitFor(() => expect(redis.isReady()).toBe(true), { timeout: 5_000, interval: 10 });
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    await redis?.close();
    await server?.close();
  });

  it('the owner renews its lease while the write runs: another replica finds the key busy for as long as it does', async () => {
    const [a, b] = [open(), open()];
    expect(await a.claim(ref('renewed'), 'h', { step: 1 })).toEqual({ claimed: true });
    // Several lease lengths later the owner still holds it (renewed every third of the lease).
    const until = Date.now() + 4 * LEASE;
    while (Date.now() < until) {
      expect(await b.get(ref('renewed'))).toMatchObject({ hash: 'h', busy: true });
      await new Promise((resolve) => setTimeout(resolve, LEASE / 3));
    }
    // The write ends: the result is everybody's answer.
    await a.saveResult(ref('renewed'), 42);
    expect(await b.get(ref('renewed'))).toEqual({ hash: 'h', progress: { step: 1 }, result: { value: 42 } });
  });

  it('a dead owner stops renewing: once its lease runs out another replica takes the record over with its progress; the dead one can no longer save or delete it', async () => {
    const [a, b] = [open(), open()];
    await a.claim(ref('orphan'), 'h', { step: 1 });
    await a.saveProgress(ref('orphan'), { step: 2 });
    await a.close();
    await vi.waitFor(async () => expect(await b.get(ref('orphan'))).toEqual({ hash: 'h', progress: { step: 2 } }), { timeout: 5_000, interval: 50 });
    // b owns it now: a's late saves are refused and its release deletes nothing.
    await expect(a.saveProgress(ref('orphan'), { step: 3 })).rejects.toBeInstanceOf(IdempotencyKeyBusyError);
    await a.release(ref('orphan'));
    await b.saveResult(ref('orphan'), 'done');
    expect(await b.get(ref('orphan'))).toMatchObject({ result: { value: 'done' } });
  });

  it('a write that failed and kept its record lets go of the lease: a retry on another replica resumes at once', async () => {
    const [a, b] = [open(), open()];
    await a.claim(ref('failed'), 'h', { uncertain: true });
    await a.unlock(ref('failed'));
    expect(await b.get(ref('failed'))).toEqual({ hash: 'h', progress: { uncertain: true } });
  });
});

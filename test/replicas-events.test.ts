// Issue 12, items 5 and 6: one event log for every replica (Redis Streams). Three gateways
// share one fake Dixa and one private Redis: an event delivered to any of them is readable
// on all with the same order and cursors, reaches subscribers everywhere, survives a replica
// stopping midway (Dixa retries elsewhere), and is refused with 503 (never acknowledged and
// lost) while Redis is away, with everything recovering without a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDixaWebhook, webhookPayload } from '../src/demo/fake-dixa/index.js';
import { TOKEN } from './support/harness.js';
import { hasRedis } from './support/redis.js';
import { startReplicas, type Replicas } from './support/replicas.js';
import { subscribeEvents } from './support/subscriber.js';

const SECRET = 'b2'.repeat(32);
const KINDS = ['ConversationPending', 'ConversationOpen', 'ConversationClosed'] as const;

const EVENTS_QUERY = `query($after: String, $first: Int, $conversationId: ID) {
  conversationEvents(after: $after, first: $first, conversationId: $conversationId) {
    edges { cursor node { id type conversationId } }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe.skipIf(!hasRedis)('one event log across replicas (REDIS_URL)', () => {
  let r: Replicas;
  let conversationIds: number[];
  let sequence = 0;

  beforeAll(async () => {
    r = await startReplicas(3, { env: { DIXA_WEBHOOK_SECRET: SECRET } });
    conversationIds = [...r.fake.world(TOKEN).conversations.keys()].slice(0, 30);
  });
  afterAll(async () => {
    await r?.close();
  });

  /** A signed Dixa delivery about one of the fake's conversations; each call a new event_id. */
  function delivery(conversationId = conversationIds[sequence % conversationIds.length]!): { eventId: string; body: string } {
    const kind = KINDS[sequence++ % KINDS.length]!;
    const payload = webhookPayload(r.fake.world(TOKEN), { kind, token: TOKEN, conversationId }) as { event_id: string };
    return { eventId: payload.event_id, body: JSON.stringify(payload) };
  }

  async function post(i: number, body: string): Promise<{ status: number; json: any }> {
    const res = await fetch(`${r.replicas[i]!.url}/webhooks/dixa`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dixa-signature': signDixaWebhook(body, SECRET), 'x-dixa-subscription-id': 'sub-replicas' },
      body,
    });
    return { status: res.status, json: await res.json().catch(() => undefined) };
  }

  async function allEvents(i: number, variables: Record<string, unknown> = {}): Promise<{ id: string; cursor: string }[]> {
    const out: { id: string; cursor: string }[] = [];
    let after: string | undefined = variables.after as string | undefined;
    for (;;) {
      const res = await r.gql(i, EVENTS_QUERY, { ...variables, after, first: 1000 });
      expect(res.errors).toBeUndefined();
      const connection = res.data!.conversationEvents;
      out.push(...connection.edges.map((e: any) => ({ id: e.node.id, cursor: e.cursor })));
      after = connection.pageInfo.endCursor ?? after;
      if (!connection.pageInfo.hasNextPage) return out;
    }
  }

  it('reads the same events, in the same order with the same cursors, on every replica; a cursor from one resumes on another', async () => {
    const sent: string[] = [];
    for (let k = 0; k < 9; k++) {
      const { eventId, body } = delivery(conversationIds[k % 3]);
      const answer = await post(k % 3, body);
      expect(answer.status).toBe(200);
      sent.push(eventId);
    }
    const [one, two, three] = await Promise.all([allEvents(0), allEvents(1), allEvents(2)]);
    expect(one.map((e) => e.id)).toEqual(sent);
    expect(two).toEqual(one);
    expect(three).toEqual(one);

    // A page read on replica 1 continues on replica 3 where it stopped.
    const firstPage = await r.gql(0, EVENTS_QUERY, { first: 4 });
    const resumed = await allEvents(2, { after: firstPage.data!.conversationEvents.pageInfo.endCursor });
    expect(resumed.map((e) => e.id)).toEqual(sent.slice(4));

    // conversationEvents(conversationId:) too.
    const byConversation = await Promise.all([0, 1, 2].map((i) => allEvents(i, { conversationId: String(conversationIds[1]) })));
    expect(byConversation[0]!.map((e) => e.id)).toEqual([sent[1], sent[4], sent[7]]);
    expect(byConversation[1]).toEqual(byConversation[0]);
    expect(byConversation[2]).toEqual(byConversation[0]);
  });

  it('delivers an event acknowledged by replica 1 to a subscriber on replica 3 within 2 s, in order, and `after` resumes across replicas', async () => {
    const before = await allEvents(0);
    const subscriber = subscribeEvents(r.replicas[2]!.url);
    // A resuming subscriber on replica 2 with the last cursor replica 1 handed out.
    const resuming = subscribeEvents(r.replicas[1]!.url, { after: before.at(-2)!.cursor });
    try {
      for (let i = 0; i < 200 && (r.replicas[2]!.gateway.events.bus.size < 1 || r.replicas[1]!.gateway.events.bus.size < 1); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setTimeout(resolve, 200)); // past the subscription's first (empty) read: what follows is live
      const sent: string[] = [];
      for (let k = 0; k < 10; k++) {
        const { eventId, body } = delivery();
        expect((await post(0, body)).status).toBe(200);
        sent.push(eventId);
      }
      const live = await subscriber.waitFor(10, 2000);
      expect(live.map((e) => e.id)).toEqual(sent);
      const resumed = await resuming.waitFor(11, 2000);
      expect(resumed.map((e) => e.id)).toEqual([before.at(-1)!.id, ...sent]);
      const cursors = (await allEvents(0)).slice(-10).map((e) => e.cursor);
      expect(live.map((e) => e.cursor)).toEqual(cursors);
    } finally {
      await subscriber.close();
      await resuming.close();
    }
  });

  it('keeps 900 deliveries over 3 replicas, one of them stopped midway, exactly once on every replica', async () => {
    const start = (await allEvents(0)).at(-1)?.cursor;
    const deliveries = Array.from({ length: 900 }, () => delivery());
    const acknowledged = new Map<string, number>();
    const stopped = new Set<number>();
    let retried = 0;
    // As Dixa does: a delivery that fails (refused connection, 5xx) is sent again, here to the next replica.
    const deliver = async (n: number) => {
      const { eventId, body } = deliveries[n]!;
      for (let attempt = 0; attempt < 6; attempt++) {
        const target = (n + attempt) % 3;
        if (stopped.has(target)) continue;
        const answer = await post(target, body).catch(() => ({ status: 0, json: undefined }));
        if (answer.status === 200) {
          acknowledged.set(eventId, (acknowledged.get(eventId) ?? 0) + 1);
          return;
        }
        retried++;
      }
      throw new Error(`delivery ${n} never acknowledged`);
    };
    let next = 0;
    const worker = async () => {
      while (next < deliveries.length) {
        const n = next++;
        if (n === 300) {
          // Replica 2 goes away with deliveries in flight; Dixa's retries go elsewhere.
          stopped.add(1);
          await r.stop(1);
        }
        await deliver(n);
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));

    expect(acknowledged.size).toBe(900);
    for (const i of [0, 2]) {
      const read = await allEvents(i, { after: start });
      const ids = read.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length); // nothing twice
      expect(ids.filter((id) => acknowledged.has(id)).length).toBe(900); // every acknowledged one
    }
    expect(await allEvents(2, { after: start })).toEqual(await allEvents(0, { after: start }));
    await r.restart(1);
    expect(await allEvents(1, { after: start })).toEqual(await allEvents(0, { after: start }));

    // The log holds the deliveries sealed: no customer's e-mail address or name, no token.
    const dump = (await r.redis.dump()).map((d) => `${d.key} ${d.value}`).join('\n');
    const world = r.fake.world(TOKEN);
    const emails = [...world.endUsers.values()].map((u) => u.email).filter((e): e is string => Boolean(e));
    expect(emails.length).toBeGreaterThan(0);
    expect(emails.filter((email) => dump.includes(email))).toEqual([]);
    expect(dump).not.toContain(TOKEN);
  });

  it('answers 503 while Redis is away (nothing acknowledged is lost) and recovers without a restart', async () => {
    const subscriber = subscribeEvents(r.replicas[1]!.url);
    try {
      for (let i = 0; i < 200 && r.replicas[1]!.gateway.events.bus.size < 1; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const kept = delivery();
      expect((await post(0, kept.body)).status).toBe(200);
      await subscriber.waitFor(1, 2000);

      await r.redis.stop();
      const refused = delivery();
      for (const i of [0, 1, 2]) {
        const answer = await post(i, refused.body);
        expect(answer.status).toBe(503);
        expect(answer.json.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      }
      const read = await r.gql(2, EVENTS_QUERY, { first: 1 });
      expect(read.status).toBe(200);
      expect(read.errors?.[0]?.extensions?.code).toBe('STATE_UNAVAILABLE');

      await r.redis.start();
      // Dixa retries the refused delivery until a replica stores it.
      let status = 0;
      for (let attempt = 0; attempt < 150 && status !== 200; attempt++) {
        status = (await post(attempt % 3, refused.body)).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
      const live = await subscriber.waitFor(2, 10_000);
      expect(live.map((e) => e.id)).toEqual([kept.eventId, refused.eventId]);
      for (const i of [0, 1, 2]) {
        const ids = (await allEvents(i)).map((e) => e.id);
        expect(ids.filter((id) => id === kept.eventId || id === refused.eventId)).toEqual([kept.eventId, refused.eventId]);
      }
    } finally {
      await subscriber.close();
    }
  });
});

// Issue 13: gaps are repaired from Dixa's activity log. A gateway that was down, or whose
// deliveries Dixa held back, ends up with every message once (by Dixa message id) and every
// state change once, whichever of webhook and repair came first; repairs are idempotent.
import { afterEach, describe, expect, it } from 'vitest';
import { activeTags, findConversation } from '../src/demo/fake-dixa/index.js';
import { openSqliteEventLog } from '../src/events/sqlite-event-log.js';
import { callShape, countByShape, route, startHarness, TOKEN, type Harness } from './support/harness.js';
import { allEvents, CONFIGURE, customerMessage, dixa, openChat, REPAIR, STATUS } from './support/sync.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let h: Harness;
afterEach(async () => {
  await h?.close();
  h = undefined as unknown as Harness;
});

async function configured(env: Record<string, string> = {}): Promise<Harness> {
  h = await startHarness({ env: { SYNC_STATUS_CACHE_SECONDS: '0', ...env } });
  h.config.sync.publicUrl = h.url;
  const res = await h.gql(CONFIGURE);
  expect(res.errors).toBeUndefined();
  return h;
}

const activityCalls = (harness: Harness) => harness.dixaCalls((r) => route(r) === '/conversations/activitylog');

describe('gap repair after a restart', () => {
  it('recovers 5 messages, a close and a note made while the gateway was stopped, each once; late redeliveries add nothing', async () => {
    await configured();
    const world = h.fake.world(TOKEN);
    const chat = openChat(h.fake);
    const other = findConversation(world, (c) => c.state === 'Open' && c.id !== chat).id;
    // Delivered while the gateway is up: it stays a WEBHOOK event.
    const before = await customerMessage(h.fake, chat, 'Hello, anyone there?');
    await h.fake.webhooks.idle();

    await h.stop();
    h.fake.webhooks.attempts = 1; // Dixa gives up on the deliveries while the gateway is down.
    const missed: string[] = [];
    for (let i = 1; i <= 5; i++) missed.push(await customerMessage(h.fake, i % 2 ? chat : other, `Message ${i} while you were away`));
    expect((await dixa(h.fake, 'PUT', `/conversations/${other}/close`, {})).status).toBe(204);
    expect((await dixa(h.fake, 'POST', `/conversations/${chat}/notes`, { message: 'Customer called about this too' })).status).toBe(200);
    await h.fake.webhooks.idle();
    const failed = h.fake.webhooks.deliveries.filter((d) => !d.success);
    expect(failed).toHaveLength(7);

    h.resetCalls();
    await h.start();
    await h.gateway.sync.settled();

    const events = await allEvents(h);
    expect(events.every((e) => e.source === 'WEBHOOK' || e.source === 'RECONCILED')).toBe(true);
    const messages = events.filter((e) => e.type === 'MESSAGE_ADDED');
    for (const id of missed) {
      expect(messages.filter((e) => e.message?.id === id)).toMatchObject([{ source: 'RECONCILED' }]);
    }
    expect(messages.filter((e) => e.message?.id === before)).toMatchObject([{ source: 'WEBHOOK' }]);
    expect(events.filter((e) => e.type === 'CLOSED')).toMatchObject([{ source: 'RECONCILED', conversationId: String(other) }]);
    expect(events.filter((e) => e.type === 'NOTE_ADDED')).toMatchObject([{ source: 'RECONCILED', conversationId: String(chat) }]);
    expect(events).toHaveLength(8);

    // What the repair cost: one activity-log page, one message list per conversation with new
    // messages, one conversation read per conversation whose state changed.
    expect(countByShape(h.dixaCalls())).toEqual({
      'GET /conversations/activitylog': 1,
      'GET /conversations/:id/messages': 2,
      'GET /conversations/:id': 1,
    });

    const status = (await h.gql(STATUS)).data!.syncStatus;
    expect(status.gaps).toContainEqual({ from: expect.any(String), to: expect.any(String), repairedAt: expect.any(String), recoveredEvents: 7 });

    // Dixa retries late: every redelivery is a duplicate.
    h.resetCalls();
    expect(await h.fake.webhooks.redeliver()).toBe(7);
    const redelivered = h.fake.webhooks.deliveries.slice(-7);
    expect(redelivered.map((d) => d.responseCode)).toEqual(Array(7).fill(200));
    expect(await allEvents(h)).toHaveLength(8);
    // The deliveries succeed again, and the failure gap was repaired: sync is ok.
    await h.gateway.sync.settled();
    const after = await h.gql(STATUS);
    await h.gateway.sync.settled();
    expect(after.data!.syncStatus.deliveries.every((d: any) => d.success !== false)).toBe(true);
    expect(await allEvents(h)).toHaveLength(8);
  });

  it('repairs nothing at a first start (no heartbeat) and only reads the activity log after a restart with nothing missed', async () => {
    await configured();
    expect(activityCalls(h)).toHaveLength(0);
    h.resetCalls();
    await h.restart();
    await h.gateway.sync.settled();
    expect(countByShape(h.dixaCalls())).toEqual({ 'GET /conversations/activitylog': 1 });
  });
});

describe('repairSync', () => {
  it('is idempotent over one window, and the held-back webhooks of repaired messages are duplicates', async () => {
    await configured();
    h.fake.webhooks.pause();
    const from = new Date(Date.now() - 1000).toISOString();
    const chat = openChat(h.fake);
    const ids = [await customerMessage(h.fake, chat, 'One'), await customerMessage(h.fake, chat, 'Two')];
    expect((await dixa(h.fake, 'PUT', `/conversations/${chat}/close`, {})).status).toBe(204);

    h.resetCalls();
    const first = await h.gql(REPAIR, { from });
    expect(first.errors).toBeUndefined();
    expect(first.data!.repairSync).toMatchObject({ from, recoveredEvents: 3, repairedAt: expect.any(String) });
    expect(countByShape(h.dixaCalls())).toEqual({ 'GET /conversations/activitylog': 1, 'GET /conversations/:id/messages': 1, 'GET /conversations/:id': 1 });

    h.resetCalls();
    const to = first.data!.repairSync.to;
    const second = await h.gql(REPAIR, { from, to });
    expect(second.data!.repairSync.recoveredEvents).toBe(3); // the same gap: nothing added to it
    expect(h.dixaCalls().map(callShape)).toEqual(['GET /conversations/activitylog']);
    const events = await allEvents(h);
    expect(events.map((e) => [e.source, e.type])).toEqual([
      ['RECONCILED', 'MESSAGE_ADDED'],
      ['RECONCILED', 'MESSAGE_ADDED'],
      ['RECONCILED', 'CLOSED'],
    ]);
    expect(events.map((e) => e.message?.id).filter(Boolean)).toEqual(ids);

    h.fake.webhooks.resume();
    await h.fake.webhooks.idle();
    expect(h.fake.webhooks.deliveries.map((d) => [d.event, d.responseCode])).toEqual([
      ['ConversationMessageAdded', 200],
      ['ConversationMessageAdded', 200],
      ['ConversationClosed', 200],
    ]);
    expect(await allEvents(h)).toHaveLength(3);
  });

  it('adds nothing after the webhooks: the same change is recognised per type', async () => {
    await configured();
    const world = h.fake.world(TOKEN);
    const chat = openChat(h.fake);
    const agent = world.apiUserId!;
    const queue = [...world.queues.values()].find((q) => !q.isDefault) ?? [...world.queues.values()][0]!;
    const tag = activeTags(world)[0]!;
    const from = new Date(Date.now() - 1000).toISOString();
    await customerMessage(h.fake, chat, 'A message');
    const steps: [string, string, unknown][] = [
      ['POST', `/conversations/${chat}/notes`, { message: 'A note' }],
      ['PUT', `/conversations/${chat}/tags/${tag.id}`, undefined],
      ['DELETE', `/conversations/${chat}/tags/${tag.id}`, undefined],
      ['PUT', `/conversations/${chat}/claim`, { agentId: agent, force: true }],
      ['PUT', `/conversations/${chat}/transfer/queue`, { queueId: queue.id }],
      ['PUT', `/conversations/${chat}/followup`, { timestamp: '2099-01-01T00:00:00Z' }],
      ['PUT', `/conversations/${chat}/close`, {}],
      ['PUT', `/conversations/${chat}/reopen`, {}],
    ];
    for (const [method, path, body] of steps) expect((await dixa(h.fake, method, path, body)).status).toBeLessThan(300);
    await h.fake.webhooks.idle();
    const delivered = await allEvents(h);
    expect(delivered.map((e) => e.type)).toEqual(['MESSAGE_ADDED', 'NOTE_ADDED', 'TAG_ADDED', 'TAG_REMOVED', 'ASSIGNED', 'TRANSFERRED', 'PENDING', 'CLOSED', 'OPENED']);

    h.resetCalls();
    const res = await h.gql(REPAIR, { from });
    expect(res.data!.repairSync.recoveredEvents).toBe(0);
    // Nothing new, so nothing but the activity log was read.
    expect(h.dixaCalls().map(callShape)).toEqual(['GET /conversations/activitylog']);
    expect(await allEvents(h)).toHaveLength(delivered.length);
  });

  it('refuses a bad window with BAD_USER_INPUT and a caller with its own token with DIXA_FORBIDDEN', async () => {
    await configured({ DIXA_TOKEN_HEADER: 'true' });
    const backwards = await h.gql(REPAIR, { from: '2024-05-02T00:00:00Z', to: '2024-05-01T00:00:00Z' });
    expect(backwards.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const future = await h.gql(REPAIR, { from: '2999-01-01T00:00:00Z' });
    expect(future.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const huge = await h.gql(REPAIR, { from: '2020-01-01T00:00:00Z', to: '2024-01-01T00:00:00Z' });
    expect(huge.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const own = await h.gql(REPAIR, { from: new Date(Date.now() - 1000).toISOString() }, { 'x-dixa-token': 'someone-elses-token' });
    expect(own.errors?.[0]?.extensions?.code).toBe('DIXA_FORBIDDEN');
    expect(h.dixaCalls((r) => route(r) === '/conversations/activitylog')).toHaveLength(0);
  });
});

describe('event log: the same change from two sources', () => {
  it('stores a close once when webhook and activity agree within the window, twice when they are far apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-log-'));
    const log = openSqliteEventLog(dir);
    try {
      const at = Date.parse('2024-05-01T10:00:00Z');
      const event = (id: string, ms: number, source: 'WEBHOOK' | 'RECONCILED') => ({
        eventId: id,
        rawType: 'CONVERSATION_CLOSED',
        conversationId: '7',
        occurredAt: new Date(ms).toISOString(),
        receivedAt: new Date(ms).toISOString(),
        subscriptionId: null,
        body: '{}',
        source,
        changeKey: '7:CLOSED',
      });
      expect((await log.append(event('w1', at, 'WEBHOOK'))).stored).toBe(true);
      expect((await log.append(event('a1', at + 1500, 'RECONCILED'))).stored).toBe(false);
      // The webhook is taken by a1: another close in the window (closed, reopened, closed) is its own change.
      expect((await log.append(event('a3', at + 20_000, 'RECONCILED'))).stored).toBe(true);
      // A second repair of the same activity is still a duplicate.
      expect((await log.append(event('a1', at + 1500, 'RECONCILED'))).stored).toBe(false);
      expect((await log.append(event('a2', at + 3_600_000, 'RECONCILED'))).stored).toBe(true);
      // The late webhook of the close a3 recovered is a duplicate; a third close is new.
      expect((await log.append(event('w2', at + 19_000, 'WEBHOOK'))).stored).toBe(false);
      expect((await log.append(event('w3', at + 40_000, 'WEBHOOK'))).stored).toBe(true);
      const one = { ...event('m1', at, 'WEBHOOK'), rawType: 'CONVERSATION_MESSAGE_ADDED', changeKey: null, messageId: 'msg-1' };
      expect((await log.append(one)).stored).toBe(true);
      expect((await log.append({ ...one, eventId: 'activity:x', source: 'RECONCILED', occurredAt: new Date(at + 86_400_000).toISOString() })).stored).toBe(false);
    } finally {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gap repair when deliveries fail', () => {
  it('repairs the period Dixa reports failed deliveries for, once syncStatus sees them', async () => {
    await configured();
    const chat = openChat(h.fake);
    h.fake.webhooks.failWith = 503;
    const id = await customerMessage(h.fake, chat, 'Lost in transit');
    await h.fake.webhooks.idle();
    expect(await allEvents(h)).toEqual([]);

    const res = await h.gql(STATUS);
    const codes = res.data!.syncStatus.problems.map((p: any) => p.code);
    expect(codes).toEqual(expect.arrayContaining(['WEBHOOK_DELIVERIES_FAILING', 'SYNC_GAP_UNREPAIRED']));
    await h.gateway.sync.settled();
    expect(await allEvents(h)).toMatchObject([{ source: 'RECONCILED', type: 'MESSAGE_ADDED', message: { id } }]);
    // Asking again opens no second gap for the same failure.
    h.resetCalls();
    await h.gql(STATUS);
    await h.gateway.sync.settled();
    expect(activityCalls(h)).toHaveLength(0);
  });

  it('repairs the period the receiver refused signed deliveries, once they verify again', async () => {
    // The gateway holds a stale secret: Dixa's deliveries are refused with 401.
    h = await startHarness({ env: { SYNC_STATUS_CACHE_SECONDS: '0', DIXA_WEBHOOK_SECRET: 'cd'.repeat(32) } });
    h.config.sync.publicUrl = h.url;
    const create = await dixa(h.fake, 'POST', '/webhooks', {
      name: 'By hand',
      url: `${h.url}/webhooks/dixa`,
      events: ['ConversationMessageAdded'],
      authorization: { _type: 'NoAuth' },
      customHeaders: {},
    });
    expect(create.status).toBe(201);
    const chat = openChat(h.fake);
    const refused = await customerMessage(h.fake, chat, 'Refused at the door');
    await h.fake.webhooks.idle();
    expect(h.fake.webhooks.deliveries.map((d) => d.responseCode)).toEqual([401]);

    // configureWebhooks adopts the subscription's secret; the next delivery verifies.
    expect((await h.gql(CONFIGURE)).errors).toBeUndefined();
    const accepted = await customerMessage(h.fake, chat, 'Now it works');
    await h.fake.webhooks.idle();
    await h.gateway.sync.settled();
    const events = await allEvents(h);
    expect(events.filter((e) => e.type === 'MESSAGE_ADDED').map((e) => [e.message.id, e.source]).sort()).toEqual(
      [
        [refused, 'RECONCILED'],
        [accepted, 'WEBHOOK'],
      ].sort(),
    );
  });
});

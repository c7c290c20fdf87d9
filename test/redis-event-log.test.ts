// The Redis event log (issue 12, item 5) against a private redis-server: the EventLog
// contract the SQLite log keeps (dedupe by event_id, message id and change, receipt order,
// per-conversation reads, retention), cursors shared by every process, live notices from
// the stream, sealed bodies, and "unavailable" (not a crash) while Redis is away.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogUnavailableError } from '../src/errors.js';
import type { EventLog, NewEvent, StoredEvent } from '../src/events/event-log.js';
import { openRedisEventLog } from '../src/events/redis-event-log.js';
import { tokenFingerprint } from '../src/datasources/dixa/token-fingerprint.js';
import { createLogger } from '../src/logger.js';
import { openRedis, type RedisConnection } from '../src/redis/connection.js';
import { hasRedis, startRedis, type TestRedis } from './support/redis.js';

const TOKEN = 'event-log-test-token';
const logger = createLogger('silent');

function event(id: string, patch: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId: id,
    rawType: 'CONVERSATION_MESSAGE_ADDED',
    conversationId: '100',
    occurredAt: '2026-11-30T10:00:00.000Z',
    receivedAt: new Date().toISOString(),
    subscriptionId: 'sub-1',
    body: JSON.stringify({ event_id: id, data: { text: 'secret customer words' } }),
    ...patch,
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe.skipIf(!hasRedis)('Redis event log', () => {
  let redis: TestRedis;
  let connections: RedisConnection[] = [];
  let logs: EventLog[] = [];

  async function open(token = TOKEN, retentionDays = 30): Promise<EventLog> {
    const connection = openRedis(redis.url, logger);
    connections.push(connection);
    for (let i = 0; i < 200 && !connection.isReady(); i++) await new Promise((r) => setTimeout(r, 10));
    const log = openRedisEventLog({ redis: connection, token, fingerprint: tokenFingerprint(token), retentionDays, logger });
    logs.push(log);
    return log;
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const log of logs) await log.close();
    for (const c of connections) await c.close();
    await redis?.close();
  });

  it('stores an event once per event_id, in receipt order, with the same seqs on every process', async () => {
    const [a, b] = [await open(), await open()];
    const first = await a.append(event('e-1'));
    const again = await b.append(event('e-1', { body: 'other' }));
    const second = await b.append(event('e-2', { conversationId: '200' }));
    const orgLevel = await a.append(event('e-3', { conversationId: null }));
    expect(first.stored).toBe(true);
    expect(again).toMatchObject({ stored: false, event: { seq: first.event.seq, body: first.event.body } });
    expect(second.event.seq).toBeGreaterThan(first.event.seq);
    expect(orgLevel.event.seq).toBeGreaterThan(second.event.seq);
    expect(await a.head()).toBe(orgLevel.event.seq);

    const fromA = await a.read({ afterSeq: 0, first: 10 });
    const fromB = await b.read({ afterSeq: 0, first: 10 });
    expect(fromA.map((e) => e.eventId)).toEqual(['e-1', 'e-2']); // org-level events are not conversation events
    expect(fromB).toEqual(fromA);
    expect((await b.read({ afterSeq: fromA[0]!.seq, first: 10 })).map((e) => e.eventId)).toEqual(['e-2']);
    expect((await b.read({ afterSeq: 0, first: 10, conversationId: '200' })).map((e) => e.eventId)).toEqual(['e-2']);
    expect(await a.lastReceivedAt('WEBHOOK')).toBe(orgLevel.event.receivedAt);
  });

  it('keeps a message id once whichever source brings it, and pairs a change with one event of the other source', async () => {
    const log = await open();
    const webhook = await log.append(event('m-hook', { conversationId: '300', messageId: 'msg-1' }));
    const repaired = await log.append(event('m-activity', { conversationId: '300', messageId: 'msg-1', source: 'RECONCILED' }));
    expect(repaired).toMatchObject({ stored: false, event: { eventId: 'm-hook' } });

    const closed = event('c-activity', { conversationId: '300', rawType: 'CONVERSATION_CLOSED', changeKey: '300:CLOSED', source: 'RECONCILED' });
    expect((await log.append(closed)).stored).toBe(true);
    const hook = event('c-hook', { conversationId: '300', rawType: 'CONVERSATION_CLOSED', changeKey: '300:CLOSED', occurredAt: '2026-11-30T10:01:00.000Z' });
    expect(await log.findDuplicate(hook)).toMatchObject({ eventId: 'c-activity' });
    expect(await log.append(hook)).toMatchObject({ stored: false, event: { eventId: 'c-activity' } });
    // Its partner taken, a second close from webhooks is a new change; out of the window too.
    const secondHook = event('c-hook-2', { conversationId: '300', rawType: 'CONVERSATION_CLOSED', changeKey: '300:CLOSED' });
    expect((await log.append(secondHook)).stored).toBe(true);
    expect((await log.read({ afterSeq: 0, first: 10, conversationId: '300' })).map((e) => e.eventId)).toEqual(['m-hook', 'c-activity', 'c-hook-2']);
    expect(webhook.stored).toBe(true);
  });

  it('hands seqs in receipt order even when receipt times go backwards across processes', async () => {
    const [a, b] = [await open(), await open()];
    const late = await a.append(event('t-1', { receivedAt: new Date(Date.now() + 60_000).toISOString() }));
    const early = await b.append(event('t-2', { receivedAt: new Date(Date.now() - 60_000).toISOString() }));
    expect(early.event.seq).toBeGreaterThan(late.event.seq);
  });

  it('tells every process of events any of them stores', async () => {
    const [a, b] = [await open(), await open()];
    const seen: StoredEvent[] = [];
    const stop = b.watch!((e) => seen.push(e));
    await new Promise((r) => setTimeout(r, 100));
    const stored = await a.append(event('live-1', { conversationId: '400' }));
    await until(() => seen.some((e) => e.eventId === 'live-1'));
    expect(seen.find((e) => e.eventId === 'live-1')).toEqual(stored.event);
    stop();
  });

  it('prunes by receipt time and keeps cursors growing', async () => {
    const log = await open('prune-token');
    await log.append(event('old', { receivedAt: '2020-01-01T00:00:00.000Z' }));
    const recent = await log.append(event('new'));
    expect(await log.prune(Date.parse('2021-01-01T00:00:00.000Z'))).toBe(1);
    expect((await log.read({ afterSeq: 0, first: 10 })).map((e) => e.eventId)).toEqual(['new']);
    expect((await log.read({ afterSeq: 0, first: 10, conversationId: '100' })).map((e) => e.eventId)).toEqual(['new']);
    expect(await log.head()).toBe(recent.event.seq);
  });

  it('keeps bodies sealed: no message text or token in Redis, and another token sees none of it', async () => {
    const dump = await redis.dump();
    expect(dump.length).toBeGreaterThan(0);
    const everything = dump.map((d) => `${d.key} ${d.value}`).join('\n');
    expect(everything).not.toContain('secret customer words');
    expect(everything).not.toContain(TOKEN);
    const other = await open('another-token');
    expect(await other.read({ afterSeq: 0, first: 10 })).toEqual([]);
  });

  it('answers "unavailable" while Redis is away, and works again when it is back', async () => {
    const log = await open();
    await redis.stop();
    try {
      await expect(log.append(event('away-1'))).rejects.toBeInstanceOf(EventLogUnavailableError);
      await expect(log.read({ afterSeq: 0, first: 1 })).rejects.toBeInstanceOf(EventLogUnavailableError);
    } finally {
      await redis.start();
    }
    let result: Awaited<ReturnType<EventLog['append']>> | undefined;
    for (let i = 0; i < 300 && !result; i++) {
      result = await log.append(event('away-1')).catch(() => undefined);
      if (!result) await new Promise((r) => setTimeout(r, 20));
    }
    expect(result?.stored).toBe(true);
  });
});

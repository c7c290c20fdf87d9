// The subscription stream against a deliberately slow, in-memory log: events stored while
// the backlog is being read must come out once each, in order (the read/subscribe race).
import { describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/event-bus.js';
import type { EventLog, NewEvent, StoredEvent } from '../src/events/event-log.js';
import { streamEvents } from '../src/events/event-stream.js';

function memoryLog(readDelayMs: number): EventLog {
  const events: StoredEvent[] = [];
  return {
    async append(event: NewEvent) {
      const existing = events.find((e) => e.eventId === event.eventId);
      if (existing) return { stored: false, event: existing };
      const stored = { source: 'WEBHOOK' as const, ...event, seq: events.length + 1 };
      events.push(stored);
      return { stored: true, event: stored };
    },
    async read({ afterSeq, first, conversationId }) {
      // Snapshot first, answer later: like a store whose read is a round trip.
      const rows = events.filter((e) => e.seq > afterSeq && (conversationId === undefined || e.conversationId === conversationId)).slice(0, first);
      await new Promise((resolve) => setTimeout(resolve, readDelayMs));
      return rows;
    },
    async head() {
      return events.length;
    },
    async findDuplicate(event: NewEvent) {
      return events.find((e) => e.eventId === event.eventId);
    },
    async lastReceivedAt() {
      return events.at(-1)?.receivedAt;
    },
    async prune() {
      return 0;
    },
    async close() {},
  };
}

const event = (n: number, conversationId = '1'): NewEvent => ({
  eventId: `e${n}`,
  rawType: 'CONVERSATION_MESSAGE_ADDED',
  conversationId,
  occurredAt: new Date(0).toISOString(),
  receivedAt: new Date(0).toISOString(),
  subscriptionId: null,
  body: '{}',
});

describe('event stream', () => {
  it('replays from a cursor and then goes live with no gap and no duplicate, even when events land mid-read', async () => {
    const log = memoryLog(15);
    const bus = new EventBus();
    const store = async (n: number, conversationId?: string) => {
      const { stored, event: e } = await log.append(event(n, conversationId));
      if (stored) bus.publish(e);
    };
    for (let n = 1; n <= 5; n++) await store(n);
    const stream = streamEvents(log, bus, { afterSeq: 2, batchSize: 2 });
    const got: number[] = [];
    const consuming = (async () => {
      for await (const e of stream) {
        got.push(e.seq);
        if (got.length === 13) break;
      }
    })();
    // Arrive while the backlog is being paged through, plus a repeat and another conversation's.
    for (let n = 6; n <= 15; n++) {
      await store(n, n === 9 ? '2' : '1');
      await store(n);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    await consuming;
    expect(got).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(bus.size).toBe(0);
  });

  it('filters by conversation and starts live-only without a cursor', async () => {
    const log = memoryLog(1);
    const bus = new EventBus();
    const store = async (n: number, c: string) => bus.publish((await log.append(event(n, c))).event);
    await store(1, '7');
    const stream = streamEvents(log, bus, { conversationId: '7' });
    const next = stream.next();
    await store(2, '8');
    await store(3, '7');
    expect((await next).value?.seq).toBe(3);
    await stream.return?.();
    expect(bus.size).toBe(0);
  });
});

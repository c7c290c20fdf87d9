// A subscription over a shared log (Redis) that becomes unreachable: it neither ends nor
// skips; it retries after `retryMs` (fake timers: counted, not timed) and continues after
// its last event once the log answers. Any other failure still ends it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventLogUnavailableError } from '../src/errors.js';
import { EventBus } from '../src/events/event-bus.js';
import type { EventLog, StoredEvent } from '../src/events/event-log.js';
import { streamEvents } from '../src/events/event-stream.js';

const stored = (seq: number): StoredEvent => ({
  seq,
  eventId: `e-${seq}`,
  rawType: 'CONVERSATION_OPEN',
  conversationId: '1',
  occurredAt: '2026-11-30T10:00:00.000Z',
  receivedAt: '2026-11-30T10:00:00.000Z',
  subscriptionId: null,
  body: '{}',
  source: 'WEBHOOK',
});

/** A log whose reads fail while `down` is set; counts the reads it was asked for. */
function flakyLog(events: StoredEvent[], state: { down: boolean; reads: number; failure?: Error }): EventLog {
  const refuse = () => {
    if (state.failure) throw state.failure;
    if (state.down) throw new EventLogUnavailableError();
  };
  return {
    append: async () => {
      throw new Error('not used');
    },
    async read({ afterSeq, first }) {
      state.reads++;
      refuse();
      return events.filter((e) => e.seq > afterSeq).slice(0, first);
    },
    async head() {
      refuse();
      return events.at(-1)?.seq ?? 0;
    },
    findDuplicate: async () => undefined,
    lastReceivedAt: async () => undefined,
    prune: async () => 0,
    close: async () => {},
  };
}

describe('event stream while the shared log is unreachable', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits, retries every retryMs, and resumes after its last event without a gap or a repeat', async () => {
    vi.useFakeTimers();
    const events = [stored(1), stored(2)];
    const state = { down: false, reads: 0 };
    const stream = streamEvents(flakyLog(events, state), new EventBus(), { afterSeq: 0, retryMs: 1_000 });
    expect((await stream.next()).value?.seq).toBe(1);
    expect((await stream.next()).value?.seq).toBe(2);

    state.down = true;
    const next = stream.next();
    await vi.advanceTimersByTimeAsync(0);
    const readsWhileDown = state.reads;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(state.reads - readsWhileDown).toBe(3); // one retry per second, no busy loop

    events.push(stored(3));
    state.down = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await next).value?.seq).toBe(3);
    await stream.return?.();
  });

  it('starts when the log answers its first head read only later', async () => {
    vi.useFakeTimers();
    const events = [stored(1)];
    const state = { down: true, reads: 0 };
    const bus = new EventBus();
    const stream = streamEvents(flakyLog(events, state), bus, { retryMs: 500 });
    const next = stream.next();
    await vi.advanceTimersByTimeAsync(1_000);
    state.down = false;
    await vi.advanceTimersByTimeAsync(500);
    events.push(stored(2));
    bus.publish(stored(2));
    expect((await next).value?.seq).toBe(2);
    await stream.return?.();
  });

  it('ends on any other failure', async () => {
    const state = { down: false, reads: 0, failure: new Error('disk on fire') };
    const stream = streamEvents(flakyLog([], state), new EventBus(), { afterSeq: 0 });
    await expect(stream.next()).rejects.toThrow('disk on fire');
  });
});

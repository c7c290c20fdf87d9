// A live, gap-free stream of stored events for one subscription. It pulls from the log
// (after the last seq it handed out) and sleeps on the bus between batches. Because it
// listens on the bus BEFORE it first reads, an event stored while the backlog is being
// read is either in that read or wakes the next one; because it pages by seq, nothing is
// handed out twice. A slow consumer just lags behind in the log: nothing queues in memory.
import { EventLogUnavailableError } from '../errors.js';
import type { EventBus } from './event-bus.js';
import type { EventLog, StoredEvent } from './event-log.js';

/** What resolvers read events through (GatewayContext.events). */
export interface EventFeed {
  log: EventLog;
  bus: EventBus;
  /** Set on subscription contexts: gives each pushed event fresh loaders, not the first event's. */
  beforeEach?: () => void;
}

export interface EventStreamOptions {
  /** Replay stored events after this seq first; undefined: only events stored from now on. */
  afterSeq?: number | undefined;
  conversationId?: string | undefined;
  batchSize?: number;
  /** Runs before each event is handed out (the subscription renews its loaders there). */
  beforeEach?: () => void;
  /** How long to wait before reading again while a shared log (Redis) is unreachable. */
  retryMs?: number;
}

export function streamEvents(log: EventLog, bus: EventBus, options: EventStreamOptions = {}): AsyncIterableIterator<StoredEvent> {
  const { conversationId, beforeEach } = options;
  const batchSize = options.batchSize ?? 100;
  const retryMs = options.retryMs ?? 1_000;
  let notices = 0;
  let wake: (() => void) | undefined;
  let closed = false;

  const unsubscribe = bus.subscribe((event) => {
    if (conversationId !== undefined && event.conversationId !== conversationId) return;
    notices++;
    wake?.();
  });
  // Read after subscribing: an event stored in between is then above the head, not lost.
  // (A failed head read is retried by the first pull.)
  let start: Promise<number> | undefined = options.afterSeq !== undefined ? Promise.resolve(options.afterSeq) : log.head();
  start.catch(() => undefined);
  let lastSeq: number | undefined;
  const ready: StoredEvent[] = [];

  // While the shared log is unreachable the subscription waits instead of ending: it
  // resumes after its last seq once the log answers again, so nothing is skipped.
  const unavailable = async (error: unknown): Promise<void> => {
    if (!(error instanceof EventLogUnavailableError)) throw error;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, retryMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = undefined;
  };

  async function pull(): Promise<IteratorResult<StoredEvent>> {
    while (lastSeq === undefined && !closed) {
      try {
        lastSeq = await (start ??= log.head());
      } catch (error) {
        start = undefined;
        await unavailable(error);
      }
    }
    while (!closed) {
      const event = ready.shift();
      if (event) {
        beforeEach?.();
        return { value: event, done: false };
      }
      const seen = notices;
      let batch: StoredEvent[];
      try {
        batch = await log.read({ afterSeq: lastSeq as number, first: batchSize, conversationId });
      } catch (error) {
        await unavailable(error);
        continue;
      }
      if (closed) break;
      const last = batch.at(-1);
      if (last) {
        ready.push(...batch);
        lastSeq = last.seq;
        continue;
      }
      // A notice that came during the read means the read may have missed it: read again.
      if (notices !== seen) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    return { value: undefined, done: true };
  }

  // Consumers call next() one at a time, but nothing enforces that; chain to be safe.
  let chain: Promise<unknown> = Promise.resolve();
  const iterator: AsyncIterableIterator<StoredEvent> = {
    next() {
      const result = chain.then(pull);
      chain = result.catch(() => undefined);
      return result;
    },
    async return() {
      closed = true;
      unsubscribe();
      wake?.();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      closed = true;
      unsubscribe();
      wake?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

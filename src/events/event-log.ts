// The durable webhook event log, as an interface: what the receiver appends to and the
// query and subscriptions read from. The store behind it is replaceable; the SQLite one
// lives in sqlite-event-log.ts. Also the opaque cursor, which is only a sequence number.

/** WEBHOOK: delivered by Dixa; RECONCILED: recovered from Dixa's activity log (src/sync). */
export type EventSource = 'WEBHOOK' | 'RECONCILED';

/** One accepted webhook (or reconciled activity), as stored. */
export interface StoredEvent {
  /** Receipt order: assigned by the store, strictly increasing, never reused. */
  seq: number;
  /** Dixa's event_id: the dedupe key. */
  eventId: string;
  /** Dixa's event_fqn, UPPER_SNAKE. */
  rawType: string;
  conversationId: string | null;
  /** ISO-8601. */
  occurredAt: string;
  /** ISO-8601. */
  receivedAt: string;
  /** X-DIXA-SUBSCRIPTION-ID of the delivery that brought it. */
  subscriptionId: string | null;
  /** The JSON body exactly as Dixa signed it (for RECONCILED: a webhook-shaped body the gateway built). */
  body: string;
  source: EventSource;
}

/**
 * What the other source may also deliver about the same change, so it is stored once
 * whichever way it arrives first (src/sync/dedupe-keys.ts defines them per type).
 */
export interface ChangeIdentity {
  /** Dixa's message id of a MESSAGE_ADDED: unique in the log, whatever the source. */
  messageId?: string | null;
  /** The same change seen from the other source within CHANGE_MATCH_WINDOW_MS is a duplicate. */
  changeKey?: string | null;
}

export type NewEvent = Omit<StoredEvent, 'seq' | 'source'> & ChangeIdentity & { source?: EventSource };

/** How far apart a webhook's event_timestamp and the activity's timestamp of one change may be. */
export const CHANGE_MATCH_WINDOW_MS = 120_000;

/** `stored: false` is a repeat delivery; `event` is then the copy stored the first time. */
export interface AppendResult {
  stored: boolean;
  event: StoredEvent;
}

export interface ReadQuery {
  /** Events with a larger seq; 0 reads from the oldest retained. */
  afterSeq: number;
  first: number;
  conversationId?: string | undefined;
}

/**
 * Contract for a store: `append` persists before it resolves; seq order is the order in
 * which appends become visible to `read` (readers page by seq and would skip an event
 * that became visible after a larger seq); an event_id is stored at most once, and so is
 * a message id or a change both sources describe (see ChangeIdentity).
 */
export interface EventLog {
  append(event: NewEvent): Promise<AppendResult>;
  /** Events about a conversation, oldest first. */
  read(query: ReadQuery): Promise<StoredEvent[]>;
  /** The largest seq handed out so far; 0 when nothing was ever stored. */
  head(): Promise<number>;
  /** The stored event this one repeats (same event_id, message id, or change from the other source); undefined when new. */
  findDuplicate(event: NewEvent): Promise<StoredEvent | undefined>;
  /** When the newest event of this source was received (ISO-8601); undefined when none is stored. */
  lastReceivedAt(source: EventSource): Promise<string | undefined>;
  /** Forgets events received before the given time; resolves to how many. */
  prune(receivedBeforeMs: number): Promise<number>;
  /**
   * Calls `listener` with each event any process stores from now on, for a log several
   * processes share (Redis); returns the stop function. A log only this process writes
   * has none: the receiver's own notices are all there is.
   */
  watch?(listener: (event: StoredEvent) => void): () => void;
  close(): Promise<void>;
}

// The cursor is opaque to callers so its form may change; today it is a versioned seq.
const CURSOR_PREFIX = 'evt1:';

export function encodeEventCursor(seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`, 'utf8').toString('base64url');
}

/** The seq in a cursor, or undefined when it is not one of ours. */
export function decodeEventCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(CURSOR_PREFIX)) return undefined;
  const digits = text.slice(CURSOR_PREFIX.length);
  // 16 digits: the Redis log's seqs are `ms * 1000 + n` (redis-event-log.ts).
  if (!/^\d{1,16}$/.test(digits)) return undefined;
  const seq = Number(digits);
  return Number.isSafeInteger(seq) ? seq : undefined;
}

// The event log in SQLite (better-sqlite3), one file in DATA_DIR. Chosen because it is
// embedded (no server to run beside the gateway), durable (WAL with synchronous=FULL: an
// event is on disk before Dixa gets its 2xx), and gives exactly the two guarantees the log
// needs in one statement: an AUTOINCREMENT key as the receipt-order cursor (never reused,
// even after retention deletes the newest rows) and a UNIQUE event_id for dedupe.
// better-sqlite3 is synchronous, so an append and its seq are atomic within the process.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CHANGE_MATCH_WINDOW_MS, type AppendResult, type EventLog, type EventSource, type NewEvent, type ReadQuery, type StoredEvent } from './event-log.js';

export const EVENT_LOG_FILE = 'events.sqlite';

interface Row {
  seq: number;
  event_id: string;
  raw_type: string;
  conversation_id: string | null;
  occurred_at: string;
  received_at: number;
  subscription_id: string | null;
  body: string;
  source: EventSource;
}

const COLUMNS = 'seq, event_id, raw_type, conversation_id, occurred_at, received_at, subscription_id, body, source';

/** Columns added after the first release: an older file gets them on open. */
const ADDED_COLUMNS: Record<string, string> = {
  source: "TEXT NOT NULL DEFAULT 'WEBHOOK'",
  message_id: 'TEXT',
  change_key: 'TEXT',
  occurred_ms: 'INTEGER',
  // The event id of the other source's event this one was matched with: one partner each.
  paired_with: 'TEXT',
};

function toEvent(row: Row): StoredEvent {
  return {
    seq: row.seq,
    eventId: row.event_id,
    rawType: row.raw_type,
    conversationId: row.conversation_id,
    occurredAt: row.occurred_at,
    receivedAt: new Date(row.received_at).toISOString(),
    subscriptionId: row.subscription_id,
    body: row.body,
    source: row.source,
  };
}

export function openSqliteEventLog(dataDir: string): EventLog {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, EVENT_LOG_FILE));
  db.pragma('journal_mode = WAL');
  // FULL: the WAL is fsynced on every commit, so an acknowledged event survives a power cut.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS events (
      seq             INTEGER PRIMARY KEY AUTOINCREMENT,
      event_id        TEXT    NOT NULL UNIQUE,
      raw_type        TEXT    NOT NULL,
      conversation_id TEXT,
      occurred_at     TEXT    NOT NULL,
      received_at     INTEGER NOT NULL,
      subscription_id TEXT,
      body            TEXT    NOT NULL
    );
    CREATE INDEX IF NOT EXISTS events_by_conversation ON events (conversation_id, seq);
    CREATE INDEX IF NOT EXISTS events_by_received_at ON events (received_at);
  `);
  const present = new Set(db.prepare<[], { name: string }>('PRAGMA table_info(events)').all().map((c) => c.name));
  for (const [name, type] of Object.entries(ADDED_COLUMNS)) {
    if (!present.has(name)) db.exec(`ALTER TABLE events ADD COLUMN ${name} ${type}`);
  }
  // A message is stored once per Dixa message id, whether a webhook or a repair brought it.
  db.exec(`
    CREATE UNIQUE INDEX IF NOT EXISTS events_by_message ON events (message_id) WHERE message_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS events_by_change ON events (change_key, occurred_ms) WHERE change_key IS NOT NULL;
  `);

  const insert = db.prepare<
    [string, string, string | null, string, number, string | null, string, EventSource, string | null, string | null, number | null],
    { seq: number }
  >(
    `INSERT INTO events (event_id, raw_type, conversation_id, occurred_at, received_at, subscription_id, body, source, message_id, change_key, occurred_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING seq`,
  );
  const byEventId = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM events WHERE event_id = ?`);
  const byMessageId = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM events WHERE message_id = ?`);
  // The same change from the other source: a webhook and an activity-log entry of one close.
  // Each stored event stands for one change: it matches one event of the other source (or
  // that same event again, so a second repair or a redelivery is still a duplicate).
  const byChange = db.prepare<[string, number, number, EventSource, string], Row>(
    `SELECT ${COLUMNS} FROM events WHERE change_key = ? AND occurred_ms BETWEEN ? AND ? AND source <> ?
       AND (paired_with IS NULL OR paired_with = ?) ORDER BY seq LIMIT 1`,
  );
  const pair = db.prepare<[string, number]>('UPDATE events SET paired_with = ? WHERE seq = ? AND paired_with IS NULL');
  const lastReceived = db.prepare<[EventSource], { at: number | null }>(`SELECT MAX(received_at) AS at FROM events WHERE source = ?`);
  const duplicateOf = (event: NewEvent): { row: Row; byChange: boolean } | undefined => {
    const source = event.source ?? 'WEBHOOK';
    const byId = byEventId.get(event.eventId);
    if (byId) return { row: byId, byChange: false };
    if (event.messageId) {
      const row = byMessageId.get(event.messageId);
      if (row) return { row, byChange: false };
    }
    const at = Date.parse(event.occurredAt);
    if (!event.changeKey || !Number.isFinite(at)) return undefined;
    const row = byChange.get(event.changeKey, at - CHANGE_MATCH_WINDOW_MS, at + CHANGE_MATCH_WINDOW_MS, source, event.eventId);
    return row ? { row, byChange: true } : undefined;
  };
  // Check and insert in one transaction: nothing can slip in between (better-sqlite3 is synchronous anyway).
  const appendOnce = db.transaction((event: NewEvent, receivedAt: number): { seq: number } | Row => {
    const duplicate = duplicateOf(event);
    if (duplicate) {
      if (duplicate.byChange) pair.run(event.eventId, duplicate.row.seq);
      return duplicate.row;
    }
    const at = Date.parse(event.occurredAt);
    const inserted = insert.get(
      event.eventId,
      event.rawType,
      event.conversationId,
      event.occurredAt,
      receivedAt,
      event.subscriptionId,
      event.body,
      event.source ?? 'WEBHOOK',
      event.messageId ?? null,
      event.changeKey ?? null,
      Number.isFinite(at) ? at : null,
    );
    if (!inserted) throw new Error('event log: insert ignored but no row holds the event');
    return inserted;
  });
  const readAll = db.prepare<[number, number], Row>(
    `SELECT ${COLUMNS} FROM events WHERE seq > ? AND conversation_id IS NOT NULL ORDER BY seq LIMIT ?`,
  );
  const readOne = db.prepare<[string, number, number], Row>(
    `SELECT ${COLUMNS} FROM events WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
  );
  // sqlite_sequence keeps the largest seq ever handed out, even when retention emptied the table.
  const headSeq = db.prepare<[], { seq: number }>(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`);
  const pruneBefore = db.prepare<[number]>(`DELETE FROM events WHERE received_at < ?`);

  let open = true;
  return {
    async append(event: NewEvent): Promise<AppendResult> {
      const receivedAt = Date.parse(event.receivedAt);
      const result = appendOnce(event, receivedAt);
      if ('event_id' in result) return { stored: false, event: toEvent(result) };
      const { messageId: _m, changeKey: _c, ...stored } = event;
      return { stored: true, event: { ...stored, source: event.source ?? 'WEBHOOK', receivedAt: new Date(receivedAt).toISOString(), seq: result.seq } };
    },
    async findDuplicate(event: NewEvent): Promise<StoredEvent | undefined> {
      const duplicate = duplicateOf(event);
      return duplicate ? toEvent(duplicate.row) : undefined;
    },
    async lastReceivedAt(source: EventSource): Promise<string | undefined> {
      const at = lastReceived.get(source)?.at;
      return at === null || at === undefined ? undefined : new Date(at).toISOString();
    },
    async read({ afterSeq, first, conversationId }: ReadQuery): Promise<StoredEvent[]> {
      const rows = conversationId === undefined ? readAll.all(afterSeq, first) : readOne.all(conversationId, afterSeq, first);
      return rows.map(toEvent);
    },
    async head(): Promise<number> {
      return headSeq.get()?.seq ?? 0;
    },
    async prune(receivedBeforeMs: number): Promise<number> {
      return pruneBefore.run(receivedBeforeMs).changes;
    },
    async close(): Promise<void> {
      if (!open) return;
      open = false;
      db.close();
    },
  };
}

// The event log in SQLite (better-sqlite3), one file in DATA_DIR. Chosen because it is
// embedded (no server to run beside the gateway), durable (WAL with synchronous=FULL: an
// event is on disk before Dixa gets its 2xx), and gives exactly the two guarantees the log
// needs in one statement: an AUTOINCREMENT key as the receipt-order cursor (never reused,
// even after retention deletes the newest rows) and a UNIQUE event_id for dedupe.
// better-sqlite3 is synchronous, so an append and its seq are atomic within the process.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AppendResult, EventLog, NewEvent, ReadQuery, StoredEvent } from './event-log.js';

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
}

const COLUMNS = 'seq, event_id, raw_type, conversation_id, occurred_at, received_at, subscription_id, body';

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

  const insert = db.prepare<[string, string, string | null, string, number, string | null, string], { seq: number }>(
    `INSERT INTO events (event_id, raw_type, conversation_id, occurred_at, received_at, subscription_id, body)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING RETURNING seq`,
  );
  const byEventId = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM events WHERE event_id = ?`);
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
      const inserted = insert.get(
        event.eventId,
        event.rawType,
        event.conversationId,
        event.occurredAt,
        receivedAt,
        event.subscriptionId,
        event.body,
      );
      if (inserted) return { stored: true, event: { ...event, receivedAt: new Date(receivedAt).toISOString(), seq: inserted.seq } };
      const existing = byEventId.get(event.eventId);
      if (!existing) throw new Error('event log: insert ignored but no row holds the event id');
      return { stored: false, event: toEvent(existing) };
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

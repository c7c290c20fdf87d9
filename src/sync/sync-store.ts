// Durable sync bookkeeping in DATA_DIR (SQLite, beside the event log): the heartbeat the
// gateway writes while alive, so the next start knows how long it was away, and the gaps
// (periods in which webhooks may have been missed) with their repair results.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const SYNC_STORE_FILE = 'sync.sqlite';

export type GapReason = 'restart' | 'deliveries-failed' | 'deliveries-rejected' | 'on-demand';

/** A period in which events may have been missed; the SyncGap GraphQL type reads it. */
export interface SyncGapRecord {
  id: number;
  /** ISO-8601. */
  from: string;
  to: string;
  reason: GapReason;
  repairedAt: string | null;
  recoveredEvents: number;
  /** Why the last repair attempt failed (no secrets, no tokens). */
  lastError: string | null;
}

interface GapRow {
  id: number;
  from_ms: number;
  to_ms: number;
  reason: GapReason;
  repaired_at: number | null;
  recovered: number;
  last_error: string | null;
}

const toRecord = (row: GapRow): SyncGapRecord => ({
  id: row.id,
  from: new Date(row.from_ms).toISOString(),
  to: new Date(row.to_ms).toISOString(),
  reason: row.reason,
  repairedAt: row.repaired_at === null ? null : new Date(row.repaired_at).toISOString(),
  recoveredEvents: row.recovered,
  lastError: row.last_error,
});

export interface SyncStore {
  /** The last time this gateway (on this DATA_DIR) said it was alive; undefined on a first start. */
  lastHeartbeat(): number | undefined;
  heartbeat(atMs: number): void;
  /** Records a gap, or returns the one already recorded for exactly this window. */
  openGap(fromMs: number, toMs: number, reason: GapReason): SyncGapRecord;
  finishGap(id: number, repairedAtMs: number, recovered: number): SyncGapRecord;
  failGap(id: number, error: string): void;
  /** Newest first. */
  gaps(limit?: number): SyncGapRecord[];
  /** Whether a recorded gap covers this instant. */
  covers(atMs: number): boolean;
  close(): void;
}

export function openSyncStore(dataDir: string): SyncStore {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, SYNC_STORE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), at_ms INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS gaps (
      id          INTEGER PRIMARY KEY AUTOINCREMENT,
      from_ms     INTEGER NOT NULL,
      to_ms       INTEGER NOT NULL,
      reason      TEXT    NOT NULL,
      repaired_at INTEGER,
      recovered   INTEGER NOT NULL DEFAULT 0,
      last_error  TEXT
    );
  `);
  const readBeat = db.prepare<[], { at_ms: number }>('SELECT at_ms FROM heartbeat WHERE id = 1');
  const writeBeat = db.prepare<[number]>('INSERT INTO heartbeat (id, at_ms) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at_ms = excluded.at_ms');
  const sameWindow = db.prepare<[number, number], GapRow>('SELECT * FROM gaps WHERE from_ms = ? AND to_ms = ? ORDER BY id DESC LIMIT 1');
  const insertGap = db.prepare<[number, number, string], GapRow>('INSERT INTO gaps (from_ms, to_ms, reason) VALUES (?, ?, ?) RETURNING *');
  const finish = db.prepare<[number, number, number], GapRow>(
    'UPDATE gaps SET repaired_at = ?, recovered = recovered + ?, last_error = NULL WHERE id = ? RETURNING *',
  );
  const fail = db.prepare<[string, number]>('UPDATE gaps SET last_error = ? WHERE id = ?');
  const newest = db.prepare<[number], GapRow>('SELECT * FROM gaps ORDER BY to_ms DESC, id DESC LIMIT ?');
  const covering = db.prepare<[number, number], { id: number }>('SELECT id FROM gaps WHERE from_ms <= ? AND to_ms >= ? LIMIT 1');

  return {
    lastHeartbeat: () => readBeat.get()?.at_ms,
    heartbeat: (atMs) => {
      writeBeat.run(atMs);
    },
    openGap(fromMs, toMs, reason) {
      const existing = sameWindow.get(fromMs, toMs);
      return toRecord(existing ?? (insertGap.get(fromMs, toMs, reason) as GapRow));
    },
    finishGap(id, repairedAtMs, recovered) {
      const row = finish.get(repairedAtMs, recovered, id);
      if (!row) throw new Error(`sync store: no gap ${id}`);
      return toRecord(row);
    },
    failGap(id, error) {
      fail.run(error.slice(0, 500), id);
    },
    gaps: (limit = 20) => newest.all(limit).map(toRecord),
    covers: (atMs) => covering.get(atMs, atMs) !== undefined,
    close: () => db.close(),
  };
}

// Idempotency records in SQLite (better-sqlite3), one file in DATA_DIR, so a key keeps
// its promise across restarts and crashes: a record is written before a write is sent to
// Dixa and after each step, with WAL and synchronous=FULL (on disk before the request
// goes out). Keys hold the token's fingerprint, never the token. Bounded per token: a
// token's own oldest record makes room, never another token's. better-sqlite3 is
// synchronous, so a claim (look, then insert) is atomic within the process.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  DEFAULT_IDEMPOTENCY_OPTIONS,
  SWEEP_EVERY_MS,
  type ClaimOutcome,
  type IdempotencyKind,
  type IdempotencyRecord,
  type IdempotencyStore,
  type IdempotencyStoreOptions,
  type RecordRef,
} from './idempotency-store.js';

export const IDEMPOTENCY_FILE = 'idempotency.sqlite';

interface Row {
  hash: string;
  progress: string;
  result: string | null;
}

type Key = [scope: string, kind: IdempotencyKind, key: string];

export function openSqliteIdempotencyStore(dataDir: string, options: IdempotencyStoreOptions = DEFAULT_IDEMPOTENCY_OPTIONS): IdempotencyStore {
  const now = options.now ?? Date.now;
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, IDEMPOTENCY_FILE));
  db.pragma('journal_mode = WAL');
  // FULL: the WAL is fsynced on every commit, so the record of a sent write survives a power cut.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS idempotency (
      scope      TEXT    NOT NULL,
      kind       TEXT    NOT NULL,
      key        TEXT    NOT NULL,
      hash       TEXT    NOT NULL,
      progress   TEXT    NOT NULL,
      result     TEXT,
      saved_at   INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (scope, kind, key)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS idempotency_by_scope_age ON idempotency (scope, saved_at);
    CREATE INDEX IF NOT EXISTS idempotency_by_expiry ON idempotency (expires_at);
  `);

  const select = db.prepare<[...Key, number], Row>(
    'SELECT hash, progress, result FROM idempotency WHERE scope = ? AND kind = ? AND key = ? AND expires_at > ?',
  );
  const removeExpiredOne = db.prepare<[...Key, number]>('DELETE FROM idempotency WHERE scope = ? AND kind = ? AND key = ? AND expires_at <= ?');
  const countScope = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM idempotency WHERE scope = ?');
  const oldestOfScope = db.prepare<[string, number], { kind: IdempotencyKind; key: string }>(
    'SELECT kind, key FROM idempotency WHERE scope = ? ORDER BY saved_at LIMIT ?',
  );
  const remove = db.prepare<Key>('DELETE FROM idempotency WHERE scope = ? AND kind = ? AND key = ?');
  const insert = db.prepare<[...Key, string, string, number, number]>(
    'INSERT INTO idempotency (scope, kind, key, hash, progress, saved_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const updateProgress = db.prepare<[string, number, number, ...Key]>(
    'UPDATE idempotency SET progress = ?, saved_at = ?, expires_at = ? WHERE scope = ? AND kind = ? AND key = ?',
  );
  const updateResult = db.prepare<[string, number, number, ...Key]>(
    'UPDATE idempotency SET result = ?, saved_at = ?, expires_at = ? WHERE scope = ? AND kind = ? AND key = ?',
  );
  const removeExpired = db.prepare<[number]>('DELETE FROM idempotency WHERE expires_at <= ?');

  const keyOf = (ref: RecordRef): Key => [ref.scope, ref.kind, ref.key];
  const read = (ref: RecordRef): IdempotencyRecord | undefined => {
    const row = select.get(...keyOf(ref), now());
    if (!row) return undefined;
    return {
      hash: row.hash,
      progress: JSON.parse(row.progress) as unknown,
      ...(row.result === null ? {} : { result: { value: JSON.parse(row.result) as unknown } }),
    };
  };
  const claim = db.transaction((ref: RecordRef, hash: string, progress: unknown): ClaimOutcome => {
    const existing = read(ref);
    if (existing) return { claimed: false, record: existing };
    const at = now();
    removeExpiredOne.run(...keyOf(ref), at);
    const over = countScope.get(ref.scope)!.n - options.maxKeysPerToken + 1;
    if (over > 0) for (const old of oldestOfScope.all(ref.scope, over)) remove.run(ref.scope, old.kind, old.key);
    insert.run(...keyOf(ref), hash, JSON.stringify(progress ?? null), at, at + options.ttlMs);
    return { claimed: true };
  });

  let open = true;
  const sweep = (): number => (open ? removeExpired.run(now()).changes : 0);
  sweep();
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();

  return {
    async get(ref) {
      return read(ref);
    },
    async claim(ref, hash, progress) {
      return claim(ref, hash, progress);
    },
    async saveProgress(ref, progress) {
      const at = now();
      updateProgress.run(JSON.stringify(progress ?? null), at, at + options.ttlMs, ...keyOf(ref));
    },
    async saveResult(ref, result) {
      const at = now();
      updateResult.run(JSON.stringify(result ?? null), at, at + options.ttlMs, ...keyOf(ref));
    },
    async release(ref) {
      remove.run(...keyOf(ref));
    },
    async sweep() {
      return sweep();
    },
    async close() {
      if (!open) return;
      open = false;
      clearInterval(timer);
      db.close();
    },
  };
}

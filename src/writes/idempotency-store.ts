// The idempotency store: what became of each idempotencyKey, partitioned by token
// fingerprint. A record holds a hash of the input (a repeat with another input is a
// conflict), the progress of a multi-step write (so a retry, even after a restart,
// resumes it) and the final result. Records expire `ttlMs` after their last save.
// The methods are async so a shared store (Redis, for several replicas) fits behind the
// same interface; the in-memory and SQLite stores answer at once.
import { createHash } from 'node:crypto';

export interface IdempotencyStoreOptions {
  ttlMs: number;
  /** Records kept per token; a token's oldest record makes room, never another token's. */
  maxKeysPerToken: number;
  /** The clock records expire by (tests pass a fake one). */
  now?: () => number;
}

export const DEFAULT_IDEMPOTENCY_OPTIONS: IdempotencyStoreOptions = {
  ttlMs: 24 * 60 * 60 * 1000,
  maxKeysPerToken: 10_000,
};

/** Which mutation a key belongs to: one key may name a reply and a createConversation without clashing. */
export type IdempotencyKind = 'reply' | 'createConversation';

/** One key of one token: the scope is the token's fingerprint, never the token. */
export interface RecordRef {
  scope: string;
  kind: IdempotencyKind;
  key: string;
}

export interface IdempotencyRecord {
  /** inputHash() of everything that defines the write. */
  hash: string;
  /** The write's own record of the steps done (JSON). */
  progress: unknown;
  /** Present once the write finished: its answer (JSON). */
  result?: { value: unknown };
  /**
   * A shared store only: the write is unfinished and another replica holds its lease (it
   * is running it now), so this caller must not resume it. Without it, reading an
   * unfinished record hands its lease to the caller.
   */
  busy?: true;
}

/** What claiming a key found: nothing (the record is now ours) or a record already there. */
export type ClaimOutcome = { claimed: true } | { claimed: false; record: IdempotencyRecord };

export interface IdempotencyStore {
  /**
   * The live (unexpired) record of this key, if any. Creates nothing (a shared store hands
   * an unfinished record's free lease to the caller, who resumes it; see `busy`).
   */
  get(ref: RecordRef): Promise<IdempotencyRecord | undefined>;
  /**
   * Creates the record with its input hash and progress unless a live one exists, in one
   * atomic step (a shared store also takes its lease here). Called only once Dixa has
   * accepted the token, right before the write's first request to Dixa.
   */
  claim(ref: RecordRef, hash: string, progress: unknown): Promise<ClaimOutcome>;
  /** Replaces the progress of a claimed record (and restarts its TTL). */
  saveProgress(ref: RecordRef, progress: unknown): Promise<void>;
  /** Records the result of a claimed record (its TTL runs from now). */
  saveResult(ref: RecordRef, result: unknown): Promise<void>;
  /** Forgets a record: the write failed before Dixa could hold anything of it. */
  release(ref: RecordRef): Promise<void>;
  /** A shared store only: the write failed and its record is kept; let go of its lease so a retry anywhere may resume at once. */
  unlock?(ref: RecordRef): Promise<void>;
  /** Deletes expired records; answers how many. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/** How often the stores delete expired records by themselves. */
export const SWEEP_EVERY_MS = 10 * 60 * 1000;

/** SHA-256 of a canonical JSON rendering (object keys sorted), so equal inputs hash equal. */
export function inputHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// Idempotency records in this process's memory: lost on restart, so only for tests and
// embedding; the gateway itself keeps them in SQLite (sqlite-idempotency-store.ts).
// Bounded per token: a token's own oldest record makes room for its new one, and no
// token's churn evicts another token's records (records exist only for tokens Dixa
// accepted, so the number of tokens is bounded by real tenants). Values are stored as
// JSON, exactly as a durable store would hold them.
import {
  DEFAULT_IDEMPOTENCY_OPTIONS,
  SWEEP_EVERY_MS,
  type ClaimOutcome,
  type IdempotencyRecord,
  type IdempotencyStore,
  type IdempotencyStoreOptions,
  type RecordRef,
} from './idempotency-store.js';

interface Entry {
  hash: string;
  progress: string;
  result?: string | undefined;
  expiresAt: number;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  /** Per scope, records in order of last save (oldest first). */
  private readonly scopes = new Map<string, Map<string, Entry>>();
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: IdempotencyStoreOptions = DEFAULT_IDEMPOTENCY_OPTIONS) {
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async get(ref: RecordRef): Promise<IdempotencyRecord | undefined> {
    const entry = this.live(ref);
    if (!entry) return undefined;
    return {
      hash: entry.hash,
      progress: JSON.parse(entry.progress) as unknown,
      ...(entry.result === undefined ? {} : { result: { value: JSON.parse(entry.result) as unknown } }),
    };
  }

  async claim(ref: RecordRef, hash: string, progress: unknown): Promise<ClaimOutcome> {
    const existing = await this.get(ref);
    if (existing) return { claimed: false, record: existing };
    let records = this.scopes.get(ref.scope);
    if (!records) {
      records = new Map();
      this.scopes.set(ref.scope, records);
    }
    // Map order is save order: the first key is this token's least recently saved record.
    while (records.size >= this.options.maxKeysPerToken) records.delete(records.keys().next().value as string);
    records.set(idOf(ref), { hash, progress: JSON.stringify(progress ?? null), expiresAt: this.now() + this.options.ttlMs });
    return { claimed: true };
  }

  async saveProgress(ref: RecordRef, progress: unknown): Promise<void> {
    this.update(ref, (entry) => (entry.progress = JSON.stringify(progress ?? null)));
  }

  async saveResult(ref: RecordRef, result: unknown): Promise<void> {
    this.update(ref, (entry) => (entry.result = JSON.stringify(result ?? null)));
  }

  async release(ref: RecordRef): Promise<void> {
    const records = this.scopes.get(ref.scope);
    records?.delete(idOf(ref));
    if (records?.size === 0) this.scopes.delete(ref.scope);
  }

  async sweep(): Promise<number> {
    const now = this.now();
    let removed = 0;
    for (const [scope, records] of this.scopes) {
      for (const [id, entry] of records) {
        if (entry.expiresAt > now) continue;
        records.delete(id);
        removed++;
      }
      if (records.size === 0) this.scopes.delete(scope);
    }
    return removed;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }

  /** Records held for a scope (for tests and metrics). */
  size(scope: string): number {
    return this.scopes.get(scope)?.size ?? 0;
  }

  private live(ref: RecordRef): Entry | undefined {
    const records = this.scopes.get(ref.scope);
    const entry = records?.get(idOf(ref));
    if (!entry || entry.expiresAt > this.now()) return entry;
    void this.release(ref);
    return undefined;
  }

  /** Applies a change to a live record, restarts its TTL and moves it to the newest end. */
  private update(ref: RecordRef, change: (entry: Entry) => void): void {
    const entry = this.live(ref);
    if (!entry) return;
    change(entry);
    entry.expiresAt = this.now() + this.options.ttlMs;
    const records = this.scopes.get(ref.scope)!;
    records.delete(idOf(ref));
    records.set(idOf(ref), entry);
  }
}

function idOf(ref: RecordRef): string {
  return `${ref.kind}:${ref.key}`;
}

// A second cache level shared by replicas (Redis), under the cache owner (dixa-cache.ts):
// the in-process store stays the first level and answers synchronously; this one is read
// only when the first misses, before Dixa is asked. It keeps what the owner hands it, with
// the same keys, TTLs and tags, and tells the other replicas which keys and tags changed
// so they drop them from their first level. It never throws: while it is unreachable the
// first level alone serves, as in a single process.
import type { CacheEntryOptions } from './cache-store.js';

/** What another replica changed: first-level keys and tags to forget, or everything. */
export type RemoteCacheChange = { keys: readonly string[]; tags: readonly string[] } | { all: true };

export interface CacheSecondLevel {
  /**
   * The token whose fingerprint is `scope`: its entries are sealed with a key derived from
   * it. A scope never admitted is neither read nor written (nothing could be sealed).
   */
  admit(scope: string, token: string): void;
  /** The value and the ms it has left, or undefined (absent, unreadable, or the level unreachable). */
  get(scope: string, key: string): Promise<{ value: unknown; ttlMs: number } | undefined>;
  /** Stores the value; `announce`: it replaces one other replicas may hold in their first level. */
  set(scope: string, key: string, value: unknown, options: CacheEntryOptions, announce: boolean): void;
  /** Forgets the value here and in every replica's first level. */
  delete(scope: string, key: string): void;
  /** Forgets every entry carrying any of these (scoped) tags, here and in every replica's first level. */
  invalidate(scope: string, tags: readonly string[]): void;
  /**
   * Asks to be the replica that reads this entry from Dixa now, so replicas missing the same
   * entry at once make one Dixa call: true when this one should read it (nobody else is, or
   * the level cannot tell), false when another replica is reading it and will store it here.
   */
  claimLoad(scope: string, key: string): Promise<boolean>;
  /** A claimed read ended without a value to store: the next replica may read it at once. */
  releaseLoad(scope: string, key: string): void;
  /** Called with what other replicas changed. */
  onRemoteChange(listener: (change: RemoteCacheChange) => void): void;
  close(): Promise<void>;
}

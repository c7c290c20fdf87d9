// Where cached Dixa records are kept: a store of three operations — get, set with a TTL
// and tags, invalidate by tag — that knows nothing of Dixa (envelop's response-cache
// `Cache` is the model). The cache owner (dixa-cache.ts) decides keys, TTLs and tags;
// stores only keep them. The in-process store is an lru-cache bounded by entries and bytes.
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../../clock.js';

export interface CacheEntryOptions {
  ttlMs: number;
  /** Names of groups the entry belongs to, so it can be dropped without knowing its key. */
  tags?: readonly string[];
}

export interface CacheStore {
  /** The stored value (null included), or undefined when there is none. */
  get<T>(key: string): { value: T } | undefined;
  set(key: string, value: unknown, options: CacheEntryOptions): void;
  delete(key: string): void;
  /** Drops every entry carrying any of these tags. */
  invalidate(tags: readonly string[]): void;
  /** Milliseconds the entry has left; 0 when absent. */
  remainingTtlMs(key: string): number;
  readonly size: { entries: number; bytes: number };
  clear(): void;
}

interface Entry {
  value: unknown;
  size: number;
  tags: readonly string[] | undefined;
}

export interface MemoryCacheStoreOptions {
  maxEntries: number;
  maxBytes: number;
  clock?: Clock;
}

export class MemoryCacheStore implements CacheStore {
  private readonly lru: LRUCache<string, Entry>;
  /** tag -> keys, kept exact on eviction by lru-cache's dispose. */
  private readonly tagged = new Map<string, Set<string>>();

  constructor(options: MemoryCacheStoreOptions) {
    this.lru = new LRUCache<string, Entry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (entry) => entry.size,
      ttlAutopurge: false,
      perf: options.clock ?? systemClock,
      dispose: (entry, key) => {
        for (const tag of entry.tags ?? []) {
          const keys = this.tagged.get(tag);
          keys?.delete(key);
          if (keys?.size === 0) this.tagged.delete(tag);
        }
      },
    });
  }

  get<T>(key: string): { value: T } | undefined {
    const entry = this.lru.get(key);
    return entry ? { value: entry.value as T } : undefined;
  }

  set(key: string, value: unknown, { ttlMs, tags }: CacheEntryOptions): void {
    if (ttlMs <= 0) return;
    this.lru.set(key, { value, size: sizeOf(value), tags }, { ttl: ttlMs });
    // lru-cache refuses an entry larger than maxSize: only index what it kept.
    if (!tags || !this.lru.has(key)) return;
    for (const tag of tags) {
      let keys = this.tagged.get(tag);
      if (!keys) this.tagged.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  invalidate(tags: readonly string[]): void {
    for (const tag of tags) {
      for (const key of [...(this.tagged.get(tag) ?? [])]) this.lru.delete(key);
    }
  }

  remainingTtlMs(key: string): number {
    return this.lru.has(key) ? this.lru.getRemainingTTL(key) : 0;
  }

  /** Keys indexed under a tag (tests check the index stays bounded). */
  taggedCount(tag: string): number {
    return this.tagged.get(tag)?.size ?? 0;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize };
  }

  clear(): void {
    this.lru.clear();
  }
}

/** Approximate bytes held: the JSON length, paid once when a value enters the cache. */
function sizeOf(value: unknown): number {
  return Math.max(1, JSON.stringify(value ?? null).length);
}

// The cache shared by all requests: one lru-cache bounded by entries and by bytes, a TTL
// per kind of record, keys partitioned by token fingerprint, and in-flight dedupe, so two
// identical concurrent requests make one Dixa call. Failures are never stored.
import { LRUCache } from 'lru-cache';
import type { CacheKind } from '../../config.js';

export interface SharedCacheOptions {
  maxEntries: number;
  maxBytes: number;
  ttlSeconds: Record<CacheKind, number>;
  /** TTL of the conversation-scoped kinds for a token whose changes arrive as webhooks. */
  webhookTtlSeconds: number;
}

/** What Dixa's conversation webhooks keep fresh (cache-refresh.ts updates or drops them). */
const WEBHOOK_FRESH_KINDS: ReadonlySet<CacheKind> = new Set(['conversation', 'messages', 'notes', 'conversationTags', 'search', 'customerConversations']);

/**
 * Kinds whose entries an event must find without knowing their ids (a search page does
 * not say which conversations could enter it), so their keys are indexed per token.
 */
const INDEXED_KINDS: ReadonlySet<CacheKind> = new Set(['search', 'customerConversations']);

/** Stored values are wrapped so that "Dixa has no such thing" (null) is cacheable too. */
interface Entry {
  value: unknown;
  size: number;
  /** `scope:kind` of an indexed kind, so eviction can keep the index exact. */
  group?: string;
}

/** A load under way; `stale` is set when the key is invalidated before it finishes. */
interface Inflight {
  promise: Promise<unknown>;
  stale: boolean;
}

export interface CacheStats {
  hits: number;
  misses: number;
  deduped: number;
}

export class SharedCache {
  private readonly lru: LRUCache<string, Entry>;
  private readonly inflight = new Map<string, Inflight>();
  private readonly webhookFed = new Set<string>();
  private readonly index = new Map<string, Set<string>>();
  readonly stats: CacheStats = { hits: 0, misses: 0, deduped: 0 };

  constructor(private readonly options: SharedCacheOptions) {
    this.lru = new LRUCache<string, Entry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (entry) => entry.size,
      ttlAutopurge: false,
      dispose: (entry, key) => {
        if (entry.group) this.index.get(entry.group)?.delete(key);
      },
    });
  }

  static key(scope: string, kind: CacheKind, id: string | number): string {
    return `${scope}:${kind}:${id}`;
  }

  /** A read on behalf of a resolver: like get, and counted as a hit. */
  peek<T>(scope: string, kind: CacheKind, id: string | number): { value: T } | undefined {
    const hit = this.get<T>(scope, kind, id);
    if (hit) this.stats.hits++;
    return hit;
  }

  get<T>(scope: string, kind: CacheKind, id: string | number): { value: T } | undefined {
    const entry = this.lru.get(SharedCache.key(scope, kind, id));
    return entry ? { value: entry.value as T } : undefined;
  }

  /**
   * Webhooks keep this token's conversations fresh: a change arrives as an event and
   * updates or drops exactly what it touched, so those entries may live far longer than a
   * TTL that stands in for "how stale may it get".
   */
  keepFresh(scope: string): void {
    this.webhookFed.add(scope);
  }

  private ttlSeconds(scope: string, kind: CacheKind): number {
    const base = this.options.ttlSeconds[kind];
    if (base > 0 && WEBHOOK_FRESH_KINDS.has(kind) && this.webhookFed.has(scope)) return Math.max(base, this.options.webhookTtlSeconds);
    return base;
  }

  set(scope: string, kind: CacheKind, id: string | number, value: unknown): void {
    const ttl = this.ttlSeconds(scope, kind) * 1000;
    if (ttl <= 0) return;
    const key = SharedCache.key(scope, kind, id);
    if (!INDEXED_KINDS.has(kind)) {
      this.lru.set(key, { value, size: sizeOf(value) }, { ttl });
      return;
    }
    const group = `${scope}:${kind}`;
    this.lru.set(key, { value, size: sizeOf(value), group }, { ttl });
    let keys = this.index.get(group);
    if (!keys) this.index.set(group, (keys = new Set()));
    keys.add(key);
  }

  /** Drops every entry of an indexed kind (search pages...) whose id matches; all of them without a test. */
  deleteWhere(scope: string, kind: CacheKind, matches: (id: string) => boolean = () => true): void {
    const prefix = SharedCache.key(scope, kind, '');
    for (const key of [...(this.index.get(`${scope}:${kind}`) ?? [])]) {
      const id = key.slice(prefix.length);
      if (matches(id)) this.delete(scope, kind, id);
    }
    // A page being read right now may already be out of date: it must not be stored.
    for (const [key, pending] of this.inflight) {
      if (key.startsWith(prefix) && matches(key.slice(prefix.length))) {
        pending.stale = true;
        this.inflight.delete(key);
      }
    }
  }

  /** Forgets the value, and makes a load already under way not store what it read. */
  delete(scope: string, kind: CacheKind, id: string | number): void {
    const key = SharedCache.key(scope, kind, id);
    this.lru.delete(key);
    const pending = this.inflight.get(key);
    if (pending) {
      pending.stale = true;
      this.inflight.delete(key);
    }
  }

  /**
   * The cached value, else the in-flight load of the same key, else a new load whose
   * result (null included) is cached. A rejected load leaves nothing behind.
   */
  async getOrLoad<T>(scope: string, kind: CacheKind, id: string | number, load: () => Promise<T>): Promise<T> {
    const key = SharedCache.key(scope, kind, id);
    const entry = this.lru.get(key);
    if (entry) {
      this.stats.hits++;
      return entry.value as T;
    }
    const pending = this.inflight.get(key);
    if (pending) {
      this.stats.deduped++;
      return pending.promise as Promise<T>;
    }
    this.stats.misses++;
    const inflight: Inflight = { promise: Promise.resolve(), stale: false };
    const done = () => {
      if (this.inflight.get(key) === inflight) this.inflight.delete(key);
    };
    const promise = load().then(
      (value) => {
        done();
        if (!inflight.stale) this.set(scope, kind, id, value);
        return value;
      },
      (error: unknown) => {
        done();
        throw error;
      },
    );
    inflight.promise = promise;
    this.inflight.set(key, inflight);
    return promise;
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

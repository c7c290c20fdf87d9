// The cache owner over two levels (dixa-cache.ts with a CacheSecondLevel): a first-level
// miss reads the second before Dixa, a second-level hit lands in the first with the time it
// has left, what changed goes to both (a replaced value announced once, after it is
// stored), and what another replica announces drops only the first level, including a
// load under way. The second level here is an in-memory stand-in; Redis's is in the
// replicas-*.test.ts files.
import { describe, expect, it, vi } from 'vitest';
import { CACHE_KINDS, type CacheKind } from '../src/config.js';
import { MemoryCacheStore, type CacheEntryOptions } from '../src/datasources/dixa/cache-store.js';
import type { CacheSecondLevel, RemoteCacheChange } from '../src/datasources/dixa/cache-second-level.js';
import { DixaCache, cacheRefs } from '../src/datasources/dixa/dixa-cache.js';
import type { DixaConversation } from '../src/datasources/dixa/types.js';

const ttls = (seconds: number) => Object.fromEntries(CACHE_KINDS.map((k) => [k, seconds])) as Record<CacheKind, number>;

class SecondLevel implements CacheSecondLevel {
  readonly entries = new Map<string, { value: unknown; ttlMs: number; tags: readonly string[] }>();
  readonly log: string[] = [];
  private listener: ((change: RemoteCacheChange) => void) | undefined;
  admit(): void {}
  async get(_scope: string, key: string) {
    const entry = this.entries.get(key);
    return entry && { value: entry.value, ttlMs: entry.ttlMs };
  }
  set(_scope: string, key: string, value: unknown, { ttlMs, tags = [] }: CacheEntryOptions, announce: boolean): void {
    this.entries.set(key, { value, ttlMs, tags });
    this.log.push(`set ${key}${announce ? ' +announce' : ''}`);
  }
  delete(_scope: string, key: string): void {
    this.entries.delete(key);
    this.log.push(`delete ${key}`);
  }
  invalidate(_scope: string, tags: readonly string[]): void {
    for (const [key, entry] of this.entries) if (entry.tags.some((t) => tags.includes(t))) this.entries.delete(key);
    this.log.push(`invalidate ${tags.join(',')}`);
  }
  /** Loads claimed by "another replica" (the test), by key. */
  readonly claimedElsewhere = new Set<string>();
  async claimLoad(_scope: string, key: string): Promise<boolean> {
    this.log.push(`claim ${key}`);
    return !this.claimedElsewhere.has(key);
  }
  releaseLoad(_scope: string, key: string): void {
    this.log.push(`release ${key}`);
  }
  onRemoteChange(listener: (change: RemoteCacheChange) => void): void {
    this.listener = listener;
  }
  /** What another replica announced. */
  remote(change: RemoteCacheChange): void {
    this.listener?.(change);
  }
  async close(): Promise<void> {}
}

const make = () => {
  const second = new SecondLevel();
  const first = new MemoryCacheStore({ maxEntries: 100, maxBytes: 1e6 });
  return { cache: new DixaCache(first, { ttlSeconds: ttls(60), webhookTtlSeconds: 1800 }, second), first, second };
};
const conversation = (id: number, state: string) => ({ id, state }) as unknown as DixaConversation;

describe('DixaCache over two levels', () => {
  it('a first-level miss reads the second before Dixa; a hit there lands in the first with the time it has left', async () => {
    const { cache, first, second } = make();
    second.entries.set('fp:conversation:7', { value: conversation(7, 'OPEN'), ttlMs: 5_000, tags: [] });
    let loads = 0;
    const value = await cache.getOrLoad('fp', cacheRefs.conversation(7), async () => (loads++, conversation(7, 'FROM DIXA')));
    expect(value).toEqual(conversation(7, 'OPEN'));
    expect(loads).toBe(0);
    expect(first.remainingTtlMs('fp:conversation:7')).toBeGreaterThan(4_000);
    expect(first.remainingTtlMs('fp:conversation:7')).toBeLessThanOrEqual(5_000);
    expect(second.log).toEqual([]);
    expect(cache.stats).toMatchObject({ hits: 1, misses: 0 });

    // A miss in both: this replica claims the read, then Dixa; stored in both levels without an
    // announcement (nobody holds a newer value).
    expect(await cache.getOrLoad('fp', cacheRefs.conversation(8), async () => (loads++, conversation(8, 'OPEN')))).toEqual(conversation(8, 'OPEN'));
    expect(loads).toBe(1);
    expect(second.log).toEqual(['claim fp:conversation:8', 'set fp:conversation:8', 'release fp:conversation:8']);
  });

  it('what changed goes to both levels: a replaced record is announced with its new value, a dropped one is deleted, tags are invalidated', () => {
    const { cache, second } = make();
    cache.conversationChanged('fp', 7, conversation(7, 'CLOSED'));
    cache.conversationPartsChanged('fp', 7, ['messages']);
    cache.conversationListsChanged('fp', { searches: 'all', customerId: 'C-1' });
    expect(second.log).toEqual(['set fp:conversation:7 +announce', 'delete fp:messages:7', 'invalidate fp:search,fp:customer:c-1']);
  });

  it("another replica's change drops only the first level, and a load under way does not store what it read", async () => {
    const { cache, first, second } = make();
    cache.conversationChanged('fp', 7, conversation(7, 'OPEN'));
    second.log.length = 0;
    second.remote({ keys: ['fp:conversation:7'], tags: [] });
    expect(first.get('fp:conversation:7')).toBeUndefined();
    expect(second.entries.has('fp:conversation:7')).toBe(true);
    expect(second.log).toEqual([]);

    let finish!: (c: DixaConversation) => void;
    const loading = cache.getOrLoad('fp', cacheRefs.conversation(9), () => new Promise<DixaConversation>((resolve) => (finish = resolve)));
    await new Promise((resolve) => setImmediate(resolve));
    second.remote({ keys: ['fp:conversation:9'], tags: [] });
    finish(conversation(9, 'OLD'));
    expect(await loading).toEqual(conversation(9, 'OLD'));
    expect(first.get('fp:conversation:9')).toBeUndefined();

    // A replica that may have missed announcements forgets its whole first level.
    cache.conversationChanged('fp', 10, conversation(10, 'OPEN'));
    second.remote({ all: true });
    expect(first.size.entries).toBe(0);
  });
});

describe('DixaCache: replicas missing one entry at once', () => {
  it('a read another replica has claimed waits for its value in the second level instead of asking Dixa', async () => {
    vi.useFakeTimers();
    try {
      const { cache, second } = make();
      second.claimedElsewhere.add('fp:conversation:9');
      let loads = 0;
      const pending = cache.getOrLoad('fp', cacheRefs.conversation(9), async () => (loads++, conversation(9, 'FROM DIXA')));
      await vi.advanceTimersByTimeAsync(100);
      // The other replica stores what it read.
      second.entries.set('fp:conversation:9', { value: conversation(9, 'OPEN'), ttlMs: 60_000, tags: [] });
      await vi.advanceTimersByTimeAsync(100);
      expect(await pending).toEqual(conversation(9, 'OPEN'));
      expect(loads).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads Dixa itself when the other replica\'s value does not come, and lets go of a claim whose read failed', async () => {
    vi.useFakeTimers();
    try {
      const { cache, second } = make();
      second.claimedElsewhere.add('fp:conversation:10');
      let loads = 0;
      const pending = cache.getOrLoad('fp', cacheRefs.conversation(10), async () => (loads++, conversation(10, 'FROM DIXA')));
      await vi.advanceTimersByTimeAsync(11_000);
      expect(await pending).toEqual(conversation(10, 'FROM DIXA'));
      expect(loads).toBe(1);
      await expect(cache.getOrLoad('fp', cacheRefs.conversation(11), async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(second.log).toContain('release fp:conversation:11');
    } finally {
      vi.useRealTimers();
    }
  });
});

// The cache owner on its own (datasources/dixa/dixa-cache.ts): TTL per kind, bounds,
// in-flight dedupe, failures not kept, invalidation racing a load, and "what changed"
// operations dropping exactly the records they name. Store behaviour common to every
// store implementation is in cache-store.test.ts.
import { describe, expect, it } from 'vitest';
import { CACHE_KINDS, type CacheKind } from '../src/config.js';
import { MemoryCacheStore } from '../src/datasources/dixa/cache-store.js';
import { DixaCache, cacheRefs } from '../src/datasources/dixa/dixa-cache.js';

const ttls = (seconds: number) => Object.fromEntries(CACHE_KINDS.map((k) => [k, seconds])) as Record<CacheKind, number>;
const make = (options: Partial<{ maxEntries: number; maxBytes: number; ttlSeconds: Record<CacheKind, number> }> = {}) =>
  DixaCache.inMemory({ maxEntries: 100, maxBytes: 1e6, ttlSeconds: ttls(60), webhookTtlSeconds: 1800, ...options });
const conversation = cacheRefs.conversation;
const messages = (id: number) => cacheRefs.part('messages', id);
const page = (query?: string) => cacheRefs.searchPage({ body: query ? { query: { value: query } } : {}, page: { pageLimit: 25 } });

describe('DixaCache', () => {
  it('merges concurrent loads of one key and caches the answer (null too)', async () => {
    const cache = make();
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = async () => {
      loads++;
      await gate;
      return null;
    };
    const all = Promise.all([1, 2, 3].map(() => cache.getOrLoad('fp', conversation(1), load)));
    release();
    expect(await all).toEqual([null, null, null]);
    await cache.getOrLoad('fp', conversation(1), load);
    expect(loads).toBe(1);
    expect(cache.stats).toEqual({ hits: 1, misses: 1, deduped: 2 });
  });

  it('does not keep a failure', async () => {
    const cache = make();
    await expect(cache.getOrLoad('fp', conversation(1), async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(cache.getOrLoad('fp', conversation(1), async () => 'ok')).resolves.toBe('ok');
  });

  it('drops what a load in flight read when the record changes meanwhile', async () => {
    const cache = make();
    let release!: (v: never[]) => void;
    const pending = cache.getOrLoad('fp', messages(7), () => new Promise<never[]>((r) => (release = r)));
    cache.conversationPartsChanged('fp', 7, ['messages']);
    release([]);
    await expect(pending).resolves.toEqual([]);
    expect(cache.peek('fp', messages(7))).toBeUndefined();
  });

  it('drops a search page read while its listings change', async () => {
    const cache = make();
    let release!: (v: number[]) => void;
    const pending = cache.getOrLoad('fp', page(), () => new Promise<number[]>((r) => (release = r)));
    cache.conversationListsChanged('fp', { searches: 'all' });
    release([1]);
    await pending;
    expect(cache.peek('fp', page())).toBeUndefined();
  });

  it('keeps scopes apart and honours the entry and byte bounds', async () => {
    const cache = make({ maxEntries: 3, maxBytes: 1000 });
    await cache.getOrLoad('a', cacheRefs.directory('agents'), async () => ['x']);
    expect(cache.peek('b', cacheRefs.directory('agents'))).toBeUndefined();
    for (let i = 0; i < 5; i++) cache.conversationChanged('a', i, { id: i } as never);
    expect(cache.size.entries).toBe(3);
    cache.conversationChanged('a', 99, { id: 99, subject: 'x'.repeat(2000) } as never);
    expect(cache.peek('a', conversation(99))).toBeUndefined();
    expect(cache.size.bytes).toBeLessThanOrEqual(1000);
  });

  it('does not cache a kind whose TTL is 0', async () => {
    const cache = make({ ttlSeconds: { ...ttls(60), search: 0 } });
    await cache.getOrLoad('a', page('q'), async () => []);
    expect(cache.peek('a', page('q'))).toBeUndefined();
  });

  it('counts a resolver lookup as a hit, and a peek not', async () => {
    const cache = make();
    await cache.getOrLoad('a', conversation(1), async () => null);
    cache.peek('a', conversation(1));
    expect(cache.stats.hits).toBe(0);
    cache.lookup('a', conversation(1));
    expect(cache.stats.hits).toBe(1);
  });
});

describe('DixaCache with webhooks', () => {
  it('keeps conversation entries and search pages of a webhook-fed token longer; other kinds and tokens keep their TTL', async () => {
    const store = new MemoryCacheStore({ maxEntries: 100, maxBytes: 1e6 });
    const cache = new DixaCache(store, { ttlSeconds: ttls(60), webhookTtlSeconds: 1800 });
    cache.keepFresh('fed');
    for (const scope of ['fed', 'other']) {
      cache.messagesRead(scope, 1, []);
      await cache.getOrLoad(scope, page('q'), async () => []);
      cache.endUserSaved(scope, { id: 'u' } as never);
    }
    const ttl = (scope: string, ref: { kind: string; id: string }) => Math.round(store.remainingTtlMs(`${scope}:${ref.kind}:${ref.id}`) / 1000);
    expect(ttl('fed', messages(1))).toBe(1800);
    expect(ttl('fed', page('q'))).toBe(1800);
    expect(ttl('fed', cacheRefs.endUser('u'))).toBe(60);
    expect(ttl('other', messages(1))).toBe(60);
  });
});

describe('DixaCache.conversationListsChanged', () => {
  it('drops the search pages a change touches (all, or full-text only) and one customer\'s lists, for one token only, and keeps the index exact on eviction', async () => {
    const store = new MemoryCacheStore({ maxEntries: 4, maxBytes: 1e6 });
    const cache = new DixaCache(store, { ttlSeconds: ttls(60), webhookTtlSeconds: 1800 });
    const customer = (id: string) => cacheRefs.customerConversations({ customerId: id, page: { pageLimit: 10 } });
    await cache.getOrLoad('a', page('x'), async () => [1]);
    await cache.getOrLoad('a', page(), async () => [2]);
    await cache.getOrLoad('b', page(), async () => [3]);
    cache.conversationListsChanged('a', { searches: 'text' });
    expect(cache.peek('a', page('x'))).toBeUndefined();
    expect(cache.peek('a', page())).toBeDefined();
    cache.conversationListsChanged('a', { searches: 'all' });
    expect(cache.peek('a', page())).toBeUndefined();
    expect(cache.peek('b', page())).toBeDefined();
    await cache.getOrLoad('a', customer('C1'), async () => null);
    await cache.getOrLoad('a', customer('c2'), async () => null);
    cache.conversationListsChanged('a', { searches: 'none', customerId: 'c1' });
    expect(cache.peek('a', customer('C1'))).toBeUndefined();
    expect(cache.peek('a', customer('c2'))).toBeDefined();
    for (let i = 0; i < 10; i++) await cache.getOrLoad('a', page(`p${i}`), async () => []);
    expect(store.taggedCount('a:search')).toBeLessThanOrEqual(4);
  });

  it('writes an added message into a cached list, and leaves nothing when no list is cached', () => {
    const cache = make();
    const message = { id: 'm2', conversationId: 5 } as never;
    cache.messagesRead('a', 5, [{ id: 'm1', conversationId: 5 } as never]);
    cache.messageAdded('a', 5, message);
    expect(cache.peek<{ id: string }[]>('a', messages(5))?.value.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(cache.holdsMessage('a', 5, 'm2')).toBe(true);
    cache.messageAdded('a', 6, message);
    expect(cache.peek('a', messages(6))).toBeUndefined();
  });
});

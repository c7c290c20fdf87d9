// The shared cache on its own: TTL per kind, bounds, in-flight dedupe, failures not kept,
// invalidation racing a load.
import { describe, expect, it } from 'vitest';
import { CACHE_KINDS, type CacheKind } from '../src/config.js';
import { SharedCache } from '../src/datasources/dixa/shared-cache.js';

const ttls = (seconds: number) => Object.fromEntries(CACHE_KINDS.map((k) => [k, seconds])) as Record<CacheKind, number>;

describe('SharedCache', () => {
  it('merges concurrent loads of one key and caches the answer (null too)', async () => {
    const cache = new SharedCache({ maxEntries: 100, maxBytes: 1e6, ttlSeconds: ttls(60), webhookTtlSeconds: 1800 });
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return null;
    };
    const results = await Promise.all([1, 2, 3].map(() => cache.getOrLoad('fp', 'conversation', 1, load)));
    expect(results).toEqual([null, null, null]);
    await cache.getOrLoad('fp', 'conversation', 1, load);
    expect(loads).toBe(1);
    expect(cache.stats).toEqual({ hits: 1, misses: 1, deduped: 2 });
  });

  it('does not keep a failure', async () => {
    const cache = new SharedCache({ maxEntries: 100, maxBytes: 1e6, ttlSeconds: ttls(60), webhookTtlSeconds: 1800 });
    await expect(cache.getOrLoad('fp', 'conversation', 1, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(cache.getOrLoad('fp', 'conversation', 1, async () => 'ok')).resolves.toBe('ok');
  });

  it('drops what a load in flight read when the key is invalidated meanwhile', async () => {
    const cache = new SharedCache({ maxEntries: 100, maxBytes: 1e6, ttlSeconds: ttls(60), webhookTtlSeconds: 1800 });
    let release!: (v: string) => void;
    const pending = cache.getOrLoad('fp', 'messages', 7, () => new Promise<string>((r) => (release = r)));
    cache.delete('fp', 'messages', 7);
    release('stale');
    await expect(pending).resolves.toBe('stale');
    expect(cache.get('fp', 'messages', 7)).toBeUndefined();
  });

  it('keeps scopes apart and honours the entry and byte bounds', async () => {
    const cache = new SharedCache({ maxEntries: 3, maxBytes: 1000, ttlSeconds: ttls(60), webhookTtlSeconds: 1800 });
    cache.set('a', 'agents', 'all', ['x']);
    expect(cache.get('b', 'agents', 'all')).toBeUndefined();
    for (let i = 0; i < 5; i++) cache.set('a', 'conversation', i, { i });
    expect(cache.size.entries).toBe(3);
    cache.set('a', 'conversation', 'big', 'x'.repeat(2000));
    expect(cache.get('a', 'conversation', 'big')).toBeUndefined();
    expect(cache.size.bytes).toBeLessThanOrEqual(1000);
  });

  it('does not cache a kind whose TTL is 0', () => {
    const cache = new SharedCache({ maxEntries: 10, maxBytes: 1e6, ttlSeconds: { ...ttls(60), search: 0 }, webhookTtlSeconds: 1800 });
    cache.set('a', 'search', 'q', []);
    expect(cache.get('a', 'search', 'q')).toBeUndefined();
  });
});

describe('SharedCache with webhooks', () => {
  it('keeps conversation entries and search pages of a webhook-fed token longer; other kinds and tokens keep their TTL', () => {
    const cache = new SharedCache({ maxEntries: 100, maxBytes: 1e6, ttlSeconds: ttls(60), webhookTtlSeconds: 1800 });
    cache.keepFresh('fed');
    for (const scope of ['fed', 'other']) {
      cache.set(scope, 'messages', 1, []);
      cache.set(scope, 'search', 'q', []);
      cache.set(scope, 'endUser', 'u', {});
    }
    const lru = (cache as any).lru;
    const ttl = (key: string) => Math.round(lru.getRemainingTTL(key) / 1000);
    expect(ttl('fed:messages:1')).toBe(1800);
    expect(ttl('fed:search:q')).toBe(1800);
    expect(ttl('fed:endUser:u')).toBe(60);
    expect(ttl('other:messages:1')).toBe(60);
  });
});

describe('SharedCache.deleteWhere', () => {
  it('drops the matching entries of an indexed kind, for one token only, and keeps the index exact on eviction', () => {
    const cache = new SharedCache({ maxEntries: 4, maxBytes: 1e6, ttlSeconds: ttls(60), webhookTtlSeconds: 1800 });
    cache.set('a', 'search', '[{"query":{"value":"x"}},25,null]', [1]);
    cache.set('a', 'search', '[{},25,null]', [2]);
    cache.set('b', 'search', '[{},25,null]', [3]);
    cache.deleteWhere('a', 'search', (id) => id.includes('query'));
    expect(cache.get('a', 'search', '[{"query":{"value":"x"}},25,null]')).toBeUndefined();
    expect(cache.get('a', 'search', '[{},25,null]')).toBeDefined();
    cache.deleteWhere('a', 'search');
    expect(cache.get('a', 'search', '[{},25,null]')).toBeUndefined();
    expect(cache.get('b', 'search', '[{},25,null]')).toBeDefined();
    for (let i = 0; i < 10; i++) cache.set('a', 'search', `p${i}`, []);
    expect((cache as any).index.get('a:search').size).toBeLessThanOrEqual(4);
  });
});

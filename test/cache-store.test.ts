// One contract for every CacheStore implementation (after undici's cache-interceptor
// tests): get/set with TTL, delete, invalidate by tag, bounds. Time is vitest's fake clock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryCacheStore, type CacheStore } from '../src/datasources/dixa/cache-store.js';

export const cacheStoreImplementations: { name: string; make: () => CacheStore }[] = [
  { name: 'MemoryCacheStore', make: () => new MemoryCacheStore({ maxEntries: 100, maxBytes: 1e6 }) },
];

for (const { name, make } of cacheStoreImplementations) {
  describe(`CacheStore contract: ${name}`, () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('keeps a value (null included) until its TTL passes', () => {
      const store = make();
      store.set('k', null, { ttlMs: 1000 });
      expect(store.get('k')).toEqual({ value: null });
      vi.advanceTimersByTime(999);
      expect(store.get('k')).toEqual({ value: null });
      vi.advanceTimersByTime(2);
      expect(store.get('k')).toBeUndefined();
    });

    it('stores nothing with a TTL of 0', () => {
      const store = make();
      store.set('k', 1, { ttlMs: 0 });
      expect(store.get('k')).toBeUndefined();
    });

    it('deletes one key, and invalidates every key of a tag and no other', () => {
      const store = make();
      store.set('a', 1, { ttlMs: 1000, tags: ['t1'] });
      store.set('b', 2, { ttlMs: 1000, tags: ['t1', 't2'] });
      store.set('c', 3, { ttlMs: 1000, tags: ['t2'] });
      store.set('d', 4, { ttlMs: 1000 });
      store.delete('d');
      expect(store.get('d')).toBeUndefined();
      store.invalidate(['t1']);
      expect([store.get('a'), store.get('b'), store.get('c')]).toEqual([undefined, undefined, { value: 3 }]);
      store.invalidate(['nothing']);
      expect(store.get('c')).toEqual({ value: 3 });
    });

    it('reports the time an entry has left', () => {
      const store = make();
      store.set('k', 1, { ttlMs: 5000 });
      vi.advanceTimersByTime(1000);
      expect(store.remainingTtlMs('k')).toBe(4000);
      expect(store.remainingTtlMs('absent')).toBe(0);
    });
  });
}

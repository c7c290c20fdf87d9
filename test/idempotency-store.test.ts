// The idempotency stores on their own, with a fake clock: claim, progress, result,
// conflict material, expiry and the sweep, the per-token bound (one token's churn never
// evicts another's records), and, for SQLite, records that survive a reopen. The Redis
// store (several replicas) runs the same contract against a private redis-server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openRedis, type RedisConnection } from '../src/redis/connection.js';
import { RedisIdempotencyStore } from '../src/writes/redis-idempotency-store.js';
import { deriveTenantKeys } from '../src/redis/tenant-keys.js';
import { createLogger } from '../src/logger.js';
import type { IdempotencyStore, IdempotencyStoreOptions, RecordRef } from '../src/writes/idempotency-store.js';
import { MemoryIdempotencyStore } from '../src/writes/memory-idempotency-store.js';
import { openSqliteIdempotencyStore } from '../src/writes/sqlite-idempotency-store.js';
import { hasRedis, startRedis, type TestRedis } from './support/redis.js';

const HOUR = 3_600_000;
const dirs: string[] = [];
const stores: IdempotencyStore[] = [];
let redisServer: TestRedis | undefined;
let redis: RedisConnection | undefined;
beforeAll(async () => {
  if (!hasRedis) return;
  redisServer = await startRedis();
  redis = openRedis(redisServer.url, createLogger('silent'));
  await vi.waitFor(() => expect(redis!.isReady()).toBe(true), { timeout: 5_000, interval: 10 });
});
afterAll(async () => {
  await redis?.close();
  await redisServer?.close();
});
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  if (redis?.isReady()) await redis.client.flushAll();
});

function clock(start = 1_700_000_000_000) {
  const c = { t: start, now: () => c.t, advance: (ms: number) => (c.t += ms) };
  return c;
}

function newDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'idem-store-'));
  dirs.push(dir);
  return dir;
}

type Open = (options: IdempotencyStoreOptions, dir: string) => IdempotencyStore;
const implementations: [string, Open][] = [
  ['memory', (options) => new MemoryIdempotencyStore(options)],
  ['sqlite', (options, dir) => openSqliteIdempotencyStore(dir, options)],
  // Each scope stands for a token here: its key is derived from the scope's name.
  ...(hasRedis ? ([['redis', (options) => new RedisIdempotencyStore(redis!, { ...options, keys: deriveTenantKeys })]] as [string, Open][]) : []),
];

const ref = (scope: string, key: string, kind: RecordRef['kind'] = 'reply'): RecordRef => ({ scope, kind, key });

describe.each(implementations)('%s store', (_name, open) => {
  const make = (options: Partial<IdempotencyStoreOptions> = {}, dir = newDir()) => {
    const c = clock();
    const store = open({ ttlMs: 24 * HOUR, maxKeysPerToken: 100, now: c.now, ...options }, dir);
    stores.push(store);
    return { store, c, dir };
  };

  it('get creates nothing; claim creates once; progress and result are saved as JSON', async () => {
    const { store } = make();
    const r = ref('tenant-a', 'k1', 'createConversation');
    expect(await store.get(r)).toBeUndefined();
    expect(await store.get(r)).toBeUndefined();
    expect(await store.claim(r, 'hash-1', { done: [] })).toEqual({ claimed: true });
    expect(await store.claim(r, 'hash-2', { done: [] })).toEqual({ claimed: false, record: { hash: 'hash-1', progress: { done: [] } } });
    await store.saveProgress(r, { conversationId: 12, done: ['note'] });
    expect(await store.get(r)).toEqual({ hash: 'hash-1', progress: { conversationId: 12, done: ['note'] } });
    await store.saveResult(r, 12);
    expect(await store.get(r)).toEqual({ hash: 'hash-1', progress: { conversationId: 12, done: ['note'] }, result: { value: 12 } });
  });

  it('kinds and scopes are separate; release forgets a record', async () => {
    const { store } = make();
    await store.claim(ref('a', 'k'), 'h-reply', {});
    await store.claim(ref('a', 'k', 'createConversation'), 'h-create', {});
    await store.claim(ref('b', 'k'), 'h-b', {});
    expect((await store.get(ref('a', 'k')))?.hash).toBe('h-reply');
    expect((await store.get(ref('a', 'k', 'createConversation')))?.hash).toBe('h-create');
    expect((await store.get(ref('b', 'k')))?.hash).toBe('h-b');
    await store.release(ref('a', 'k'));
    expect(await store.get(ref('a', 'k'))).toBeUndefined();
    expect((await store.get(ref('b', 'k')))?.hash).toBe('h-b');
  });

  it('a record expires ttl after its last save; the sweep deletes expired records', async () => {
    const { store, c } = make({ ttlMs: 2 * HOUR });
    await store.claim(ref('a', 'old'), 'h', {});
    c.advance(HOUR);
    await store.claim(ref('a', 'young'), 'h', {});
    c.advance(HOUR - 1);
    expect(await store.get(ref('a', 'old'))).toBeDefined();
    // Saving the result restarts the TTL: the result lives its full TTL from completion.
    await store.saveResult(ref('a', 'old'), 'first answer');
    c.advance(HOUR + 1);
    expect(await store.get(ref('a', 'young'))).toBeUndefined();
    expect(await store.get(ref('a', 'old'))).toMatchObject({ result: { value: 'first answer' } });
    // An expired key may be claimed again, as new.
    expect(await store.claim(ref('a', 'young'), 'other', {})).toEqual({ claimed: true });
    c.advance(2 * HOUR);
    expect(await store.sweep()).toBe(2);
    expect(await store.get(ref('a', 'old'))).toBeUndefined();
    expect(await store.sweep()).toBe(0);
  });

  it("per-token bound: a token's churn evicts only its own oldest records, never another token's", async () => {
    const { store, c } = make({ maxKeysPerToken: 100 });
    await store.claim(ref('real', 'keep-me'), 'h', {});
    await store.saveResult(ref('real', 'keep-me'), 42);
    for (let i = 0; i < 1_100; i++) {
      c.advance(1);
      await store.claim(ref(`churn-${i % 3}`, `k${i}`), 'h', {});
    }
    expect(await store.get(ref('real', 'keep-me'))).toMatchObject({ result: { value: 42 } });
    // Each churning token keeps its newest 100.
    expect(await store.get(ref('churn-0', 'k0'))).toBeUndefined();
    expect(await store.get(ref('churn-0', 'k1098'))).toBeDefined();
    let kept = 0;
    for (let i = 0; i < 1_100; i++) if (await store.get(ref(`churn-${i % 3}`, `k${i}`))) kept++;
    expect(kept).toBe(300);
  });
});

describe('sqlite store across a reopen', () => {
  it('a record written by one store is read by the next on the same directory; nothing holds the token', async () => {
    const dir = newDir();
    const c = clock();
    const first = openSqliteIdempotencyStore(dir, { ttlMs: HOUR, maxKeysPerToken: 10, now: c.now });
    await first.claim(ref('fp-1234', 'k'), 'h', { createUncertain: true, done: [] });
    await first.close();
    const second = openSqliteIdempotencyStore(dir, { ttlMs: HOUR, maxKeysPerToken: 10, now: c.now });
    stores.push(second);
    expect(await second.get(ref('fp-1234', 'k'))).toEqual({ hash: 'h', progress: { createUncertain: true, done: [] } });
    c.advance(HOUR);
    expect(await second.get(ref('fp-1234', 'k'))).toBeUndefined();
  });

  it('expired records are swept when the store opens', async () => {
    const dir = newDir();
    const c = clock();
    const first = openSqliteIdempotencyStore(dir, { ttlMs: HOUR, maxKeysPerToken: 10, now: c.now });
    await first.claim(ref('a', 'k1'), 'h', {});
    await first.claim(ref('a', 'k2'), 'h', {});
    await first.close();
    c.advance(2 * HOUR);
    const second = openSqliteIdempotencyStore(dir, { ttlMs: HOUR, maxKeysPerToken: 10, now: c.now });
    stores.push(second);
    expect(await second.sweep()).toBe(0);
  });
});

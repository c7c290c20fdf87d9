// The rate limiter's queue on its own, with vitest's fake clock: priorities, the
// background share, the wait bound per class, cancellation, taking a slot only when a
// connection is free, and per-token state that does not grow with tenants.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RateLimiter, type CallPriority, type Permit } from '../../src/datasources/dixa/rate-limiter.js';
import { CallCancelledError, RateLimitedError } from '../../src/errors.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** Grants in order, each with its class, as the fake clock advances. */
function recorder(limiter: RateLimiter) {
  const granted: string[] = [];
  const take = (name: string, priority: CallPriority, key = 'k') =>
    limiter.acquire(key, { priority }).then((permit) => {
      granted.push(name);
      permit.release();
    });
  return { granted, take };
}

describe('RateLimiter', () => {
  it('grants the burst at once, then one call per interval', async () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 4, maxWaitMs: 10_000 });
    const { granted, take } = recorder(limiter);
    for (let i = 0; i < 6; i++) void take(`c${i}`, 'interactive');
    await vi.advanceTimersByTimeAsync(0);
    // One of the burst of 4 is held back as headroom for network jitter.
    expect(granted).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(100);
    expect(granted).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(100);
    expect(granted).toHaveLength(5);
  });

  it('serves writes, then interactive reads, then background, whatever the arrival order', async () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 1, maxWaitMs: 10_000, backgroundShare: 1 });
    const { granted, take } = recorder(limiter);
    void take('first', 'background'); // takes the only free slot
    await vi.advanceTimersByTimeAsync(0);
    void take('bg1', 'background');
    void take('bg2', 'background');
    void take('read', 'interactive');
    void take('write', 'write');
    await vi.advanceTimersByTimeAsync(1000);
    expect(granted).toEqual(['first', 'write', 'read', 'bg1', 'bg2']);
  });

  it('with priorities off, is one FIFO queue', async () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 1, maxWaitMs: 10_000, priorities: false });
    const { granted, take } = recorder(limiter);
    for (const [name, cls] of [['bg1', 'background'], ['bg2', 'background'], ['read', 'interactive'], ['write', 'write']] as const) void take(name, cls);
    await vi.advanceTimersByTimeAsync(1000);
    expect(granted).toEqual(['bg1', 'bg2', 'read', 'write']);
  });

  it('gives background at most its share of the slots, and interactive calls the rest at once', async () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 1, maxWaitMs: 100_000, backgroundShare: 0.5 });
    const { granted, take } = recorder(limiter);
    for (let i = 0; i < 40; i++) void take(`bg${i}`, 'background');
    await vi.advanceTimersByTimeAsync(2000);
    // Alone, background runs at half the rate: 10/s × 0.5 over 2 s (plus the first slot).
    expect(granted.length).toBeGreaterThanOrEqual(10);
    expect(granted.length).toBeLessThanOrEqual(11);
    const before = granted.length;
    for (let i = 0; i < 10; i++) void take(`read${i}`, 'interactive');
    await vi.advanceTimersByTimeAsync(1000);
    const second = granted.slice(before);
    // Interactive calls take every slot they need; background keeps only what is left.
    expect(second.filter((n) => n.startsWith('read'))).toHaveLength(10);
    expect(second.filter((n) => n.startsWith('bg')).length).toBeLessThanOrEqual(1);
  });

  it('refuses a write or interactive call that would wait longer than the bound; background waits', async () => {
    const limiter = new RateLimiter({ perSecond: 2, burst: 2, maxWaitMs: 1000 });
    const settled = Promise.allSettled([...Array(6)].map(() => limiter.acquire('k').then((p) => p.release())));
    await vi.advanceTimersByTimeAsync(2000);
    const results = await settled;
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
    expect(refused).toHaveLength(3);
    for (const error of refused) expect(error).toBeInstanceOf(RateLimitedError);
    expect((refused[0] as RateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    const background = limiter.acquire('k', { priority: 'background' });
    await vi.advanceTimersByTimeAsync(5000);
    await expect(background.then((p) => p.release())).resolves.toBeUndefined();
  });

  it('a cancelled call leaves the queue and the next one takes its place', async () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 1, maxWaitMs: 10_000 });
    const { granted, take } = recorder(limiter);
    void take('first', 'interactive');
    const aborter = new AbortController();
    const cancelled = limiter.acquire('k', { signal: aborter.signal });
    void take('second', 'interactive');
    aborter.abort();
    await expect(cancelled).rejects.toBeInstanceOf(CallCancelledError);
    await vi.advanceTimersByTimeAsync(100);
    expect(granted).toEqual(['first', 'second']);
    expect(limiter.queued('k')).toBe(0);
  });

  it('takes a slot only when a connection is free: calls behind slow ones do not leave in a burst', async () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 4, maxWaitMs: 60_000, maxInFlight: 2 });
    const slow = await Promise.all([limiter.acquire('k'), limiter.acquire('k')]);
    const grantedAt: number[] = [];
    const start = Date.now();
    const waiting: Promise<Permit>[] = [];
    for (let i = 0; i < 10; i++) waiting.push(limiter.acquire('k').then((p) => (grantedAt.push(Date.now() - start), p)));
    // Dixa stalls for 8 s; the budget refills meanwhile, but nobody may take it without a connection.
    await vi.advanceTimersByTimeAsync(8000);
    expect(grantedAt).toEqual([]);
    for (const permit of slow) permit.release();
    for (const pending of waiting) void pending.then((p) => p.release());
    await vi.advanceTimersByTimeAsync(2000);
    expect(grantedAt).toHaveLength(10);
    // At most the burst (3 kept) goes at once; after it, one per 100 ms.
    const firstSecond = grantedAt.filter((t) => t < 9000).length;
    expect(firstSecond).toBeLessThanOrEqual(3 + 10);
    const inOneInstant = Math.max(...grantedAt.map((t) => grantedAt.filter((u) => u === t).length));
    expect(inOneInstant).toBeLessThanOrEqual(3);
  });

  it('keeps no state for tokens without waiting calls, so tenant churn costs nothing', async () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 4, maxWaitMs: 10_000 });
    for (let i = 0; i < 5000; i++) (await limiter.acquire(`tenant-${i}`)).release();
    expect(limiter.activeTokens).toBe(0);
  });

  it('a 429 pauses the token: nothing goes until Retry-After, then one per interval', async () => {
    const limiter = new RateLimiter({ perSecond: 10, burst: 4, maxWaitMs: 10_000 });
    limiter.pause('k', 2);
    const { granted, take } = recorder(limiter);
    void take('a', 'interactive');
    void take('b', 'interactive');
    await vi.advanceTimersByTimeAsync(1999);
    expect(granted).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(100);
    expect(granted).toEqual(['a', 'b']);
  });
});

// A token bucket per token fingerprint, in front of every Dixa call, so the gateway
// itself never causes a 429 (Dixa: 10 requests/s, burst 4, per token). Callers queue in
// FIFO order; a call that would wait longer than `maxWaitMs` fails at once with
// RATE_LIMITED and the wait in `retryAfterSeconds`, instead of piling up. A 429 that
// still arrives (another client spending the same token) pauses that token's bucket.
import { RateLimitedError, UpstreamTimeoutError } from '../../errors.js';

export interface RateLimiterOptions {
  perSecond: number;
  burst: number;
  /** The longest a call may queue before it is refused. */
  maxWaitMs: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

class Bucket {
  tokens: number;
  refilledAt: number;
  pausedUntil = 0;
  readonly queue: Waiter[] = [];
  timer: NodeJS.Timeout | undefined;
  lastUsed = Date.now();

  constructor(readonly capacity: number) {
    this.tokens = capacity;
    this.refilledAt = performance.now();
  }
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /**
   * One token of the burst is held back: Dixa counts a call when it arrives, and network
   * jitter can bring two calls closer together than they were sent. With one token of
   * headroom Dixa's bucket never runs dry before ours does.
   */
  private readonly capacity: number;
  private readonly intervalMs: number;

  constructor(private readonly options: RateLimiterOptions) {
    this.capacity = Math.max(1, options.burst - 1);
    this.intervalMs = 1000 / options.perSecond;
  }

  /** Resolves when the call may go; rejects with RATE_LIMITED when the wait would be too long. */
  acquire(key: string, signal?: AbortSignal): Promise<void> {
    const bucket = this.bucket(key);
    this.refill(bucket);
    if (bucket.queue.length === 0 && bucket.tokens >= 1 && performance.now() >= bucket.pausedUntil) {
      bucket.tokens -= 1;
      return Promise.resolve();
    }
    const waitMs = this.expectedWaitMs(bucket);
    if (waitMs > this.options.maxWaitMs) {
      return Promise.reject(
        new RateLimitedError(
          Math.ceil(waitMs / 1000),
          `Too many Dixa calls are queued for this token (Dixa allows ${this.options.perSecond}/s); retry after ${Math.ceil(waitMs / 1000)} s.`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = bucket.queue.indexOf(waiter);
          if (index >= 0) bucket.queue.splice(index, 1);
          reject(new UpstreamTimeoutError('wait for a Dixa rate-limit slot'));
        },
      };
      if (signal?.aborted) return waiter.onAbort();
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      bucket.queue.push(waiter);
      this.schedule(bucket);
    });
  }

  /** Dixa answered 429 anyway: hold every call on this token for `seconds`. */
  pause(key: string, seconds: number): void {
    const bucket = this.bucket(key);
    bucket.pausedUntil = Math.max(bucket.pausedUntil, performance.now() + seconds * 1000);
    bucket.tokens = 0;
    this.schedule(bucket);
  }

  /** Queue length per key, for tests and metrics. */
  queued(key: string): number {
    return this.buckets.get(key)?.queue.length ?? 0;
  }

  private bucket(key: string): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      this.evictIdle();
      bucket = new Bucket(this.capacity);
      this.buckets.set(key, bucket);
    }
    bucket.lastUsed = Date.now();
    return bucket;
  }

  private refill(bucket: Bucket): void {
    const now = performance.now();
    bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.refilledAt) / this.intervalMs);
    bucket.refilledAt = now;
  }

  private expectedWaitMs(bucket: Bucket): number {
    const pause = Math.max(0, bucket.pausedUntil - performance.now());
    const deficit = bucket.queue.length + 1 - bucket.tokens;
    return pause + Math.max(0, deficit) * this.intervalMs;
  }

  private schedule(bucket: Bucket): void {
    if (bucket.timer || bucket.queue.length === 0) return;
    this.refill(bucket);
    const pause = Math.max(0, bucket.pausedUntil - performance.now());
    const untilToken = bucket.tokens >= 1 ? 0 : (1 - bucket.tokens) * this.intervalMs;
    bucket.timer = setTimeout(() => {
      bucket.timer = undefined;
      this.drain(bucket);
    }, Math.ceil(Math.max(pause, untilToken)));
  }

  private drain(bucket: Bucket): void {
    this.refill(bucket);
    while (bucket.queue.length > 0 && bucket.tokens >= 1 && performance.now() >= bucket.pausedUntil) {
      bucket.tokens -= 1;
      const waiter = bucket.queue.shift() as Waiter;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
    this.schedule(bucket);
  }

  /** Buckets of tokens unused for 10 minutes are dropped, so many tenants cannot grow the map forever. */
  private evictIdle(): void {
    if (this.buckets.size < 1000) return;
    const cutoff = Date.now() - 10 * 60_000;
    for (const [key, bucket] of this.buckets) {
      if (bucket.lastUsed < cutoff && bucket.queue.length === 0) this.buckets.delete(key);
    }
  }
}

// A token's rate budget: may one more call go to Dixa now, and if not, when. This is the
// store behind the rate limiter (rate-limiter.ts), which orders the waiting calls; this
// only counts. The in-process budget is a GCRA (generic cell rate algorithm): per token one
// number, the theoretical arrival time (TAT) of the next call, so the state of a token is
// a single timestamp and a token whose TAT has passed is the same as one never seen. A
// budget shared by replicas implements the same interface on Redis.
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../../clock.js';

export interface RateBudget {
  /** Takes one slot of the token's budget if one is free now and answers 0; else answers how many ms until one may be. */
  tryTake(key: string): number | Promise<number>;
  /** Dixa answered 429: no slot for anyone on this token until `untilMs` (clock time). */
  pauseUntil(key: string, untilMs: number): void | Promise<void>;
}

export interface GcraOptions {
  perSecond: number;
  /** Calls that may go back to back after a quiet period. */
  burst: number;
  clock?: Clock;
  /** Tokens tracked at once; a token past its TAT carries no state, so evicting the oldest loses nothing in practice. */
  maxKeys?: number;
}

/** The GCRA arithmetic, shared by the in-process budget and the Redis script's tests. */
export function gcraParameters(perSecond: number, burst: number): { intervalMs: number; toleranceMs: number } {
  const intervalMs = 1000 / perSecond;
  return { intervalMs, toleranceMs: (Math.max(1, burst) - 1) * intervalMs };
}

export class LocalGcraBudget implements RateBudget {
  private readonly tat: LRUCache<string, number>;
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly clock: Clock;

  constructor(options: GcraOptions) {
    ({ intervalMs: this.intervalMs, toleranceMs: this.toleranceMs } = gcraParameters(options.perSecond, options.burst));
    this.clock = options.clock ?? systemClock;
    // O(1) per call and bounded: no scan of other tokens, whatever their number.
    this.tat = new LRUCache<string, number>({ max: options.maxKeys ?? 100_000 });
  }

  /** Ms until a slot is free, without taking it. */
  waitMs(key: string): number {
    const now = this.clock.now();
    const tat = Math.max(this.tat.get(key) ?? now, now);
    return Math.max(0, tat - this.toleranceMs - now);
  }

  tryTake(key: string): number {
    const wait = this.waitMs(key);
    if (wait > 0) return wait;
    const now = this.clock.now();
    this.tat.set(key, Math.max(this.tat.get(key) ?? now, now) + this.intervalMs);
    return 0;
  }

  pauseUntil(key: string, untilMs: number): void {
    // The first call after the pause may go at `untilMs`; the ones after it at the steady rate, not in a burst.
    const now = this.clock.now();
    this.tat.set(key, Math.max(this.tat.get(key) ?? now, untilMs + this.toleranceMs));
  }
}

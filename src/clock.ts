// Time, injected: the limiter, breaker, caches, idempotency records, retention and webhook
// freshness read it through a Clock, so their tests move time by hand (vitest's fake timers
// or a clock object) instead of waiting for it.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The real clock. `Date.now` is read on every call, so vitest's fake timers can replace it. */
export const systemClock: Clock = { now: () => Date.now() };

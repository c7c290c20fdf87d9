// One rate budget per token for all replicas: the same GCRA as LocalGcraBudget
// (rate-budget.ts), its one number per token (the theoretical arrival time, TAT) kept in
// Redis and read and moved by one Lua script, so two replicas can never both take the
// last slot. The script reads Redis's own clock (TIME), so the replicas' clocks do not
// matter; a 429's pause is stored as a TAT in the future, so it holds for every replica.
//
// While Redis is away (a command fails, or the connection is down) each replica counts
// alone, in a LocalGcraBudget sized so that all replicas together stay within the budget:
// rate perSecond / replicas and burst floor(burst / replicas) (at least 1). With Dixa's
// 10/s, burst 4 (the limiter passes burst 3: one held back) and 3 replicas that is 3.33/s
// and 1 back-to-back call per replica: together at most 10/s and 3 at once. The shared
// budget may have just spent Dixa's bucket, so a token's first local slot comes only after
// the replicas' bursts have refilled (burst share x local interval: 300 ms here), and from
// then at the local rate. Every call tries Redis again first, so the shared budget is back
// as soon as Redis is; a token counted locally meanwhile restarts there without a burst.
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../clock.js';
import { LocalGcraBudget, gcraParameters, type RateBudget } from './rate-budget.js';
import type { RedisConnection } from '../../redis/connection.js';
import { tokenKey } from '../../redis/keys.js';
import { withDeadline } from '../../redis/deadline.js';
import { LuaScript } from '../../redis/lua-script.js';

/**
 * KEYS[1]: the token's TAT (ms, Redis clock). ARGV: interval ms, tolerance ms, and either
 * 'take' (answers 0 and moves the TAT, or the ms to wait) or 'pause' with the pause in ms
 * (the first call after it may go when it ends; the ones after at the steady rate).
 */
const GCRA = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if ARGV[3] == 'pause' then
  local paused = now + tonumber(ARGV[4]) + tolerance
  if paused > tat then
    redis.call('SET', KEYS[1], tostring(paused), 'PX', math.ceil(paused - now) + 1000)
  end
  return 0
end
local wait = tat - tolerance - now
if wait > 0 then return math.ceil(wait) end
local next = tat + interval
redis.call('SET', KEYS[1], tostring(next), 'PX', math.ceil(next - now) + 1000)
return 0
`);

/** A slot decision slower than this is taken locally instead (the call would otherwise wait on Redis). */
const COMMAND_DEADLINE_MS = 1_000;

export interface RedisRateBudgetOptions {
  perSecond: number;
  /** As the limiter sizes its own budget: Dixa's burst less the one held back. */
  burst: number;
  /** Replicas sharing the token while Redis is away (GATEWAY_REPLICAS). */
  replicas: number;
  clock?: Clock;
  logger?: Logger;
}

/** The local budget of one replica while Redis is away: its share of rate and burst. */
export function fallbackShare(perSecond: number, burst: number, replicas: number): { perSecond: number; burst: number } {
  const n = Math.max(1, replicas);
  return { perSecond: perSecond / n, burst: Math.max(1, Math.floor(burst / n)) };
}

export class RedisRateBudget implements RateBudget {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly fallback: LocalGcraBudget;
  private readonly clock: Clock;
  private readonly share: { perSecond: number; burst: number };
  /** Since when slots are counted locally; undefined while Redis answers. */
  private degradedAt: number | undefined;
  /** Tokens counted locally, and since which outage (each starts without a burst on either side). */
  private readonly countedLocally = new LRUCache<string, number>({ max: 100_000 });

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: RedisRateBudgetOptions,
  ) {
    ({ intervalMs: this.intervalMs, toleranceMs: this.toleranceMs } = gcraParameters(options.perSecond, options.burst));
    this.clock = options.clock ?? systemClock;
    this.share = fallbackShare(options.perSecond, options.burst, options.replicas);
    this.fallback = new LocalGcraBudget({ ...this.share, clock: this.clock });
  }

  /** True while slots are counted locally because Redis is away (for tests and metrics). */
  get usingFallback(): boolean {
    return this.degradedAt !== undefined;
  }

  async tryTake(key: string): Promise<number> {
    if (this.redis.isReady()) {
      try {
        const name = tokenKey(key, 'gcra');
        if (this.countedLocally.delete(key)) {
          // Back from local counting, during which Dixa's bucket was drained at the full rate: no burst now.
          await withDeadline(GCRA.run(this.redis.client, [name], [this.intervalMs, this.toleranceMs, 'pause', 0]), COMMAND_DEADLINE_MS);
        }
        const wait = Number(await withDeadline(GCRA.run(this.redis.client, [name], [this.intervalMs, this.toleranceMs, 'take']), COMMAND_DEADLINE_MS));
        this.recovered();
        return wait;
      } catch (error) {
        this.failed(error);
      }
    } else this.failed(undefined);
    const since = this.degradedAt ?? this.clock.now();
    if (this.countedLocally.get(key) !== since) {
      this.countedLocally.set(key, since);
      // The shared budget may have spent Dixa's bucket just now: wait until the replicas' bursts have refilled.
      this.fallback.pauseUntil(key, since + (this.share.burst * 1000) / this.share.perSecond);
    }
    return this.fallback.tryTake(key);
  }

  async pauseUntil(key: string, untilMs: number): Promise<void> {
    // Also kept locally: should Redis go away now, this replica still honours the pause.
    this.fallback.pauseUntil(key, untilMs);
    const pauseMs = Math.max(0, Math.ceil(untilMs - this.clock.now()));
    if (!this.redis.isReady()) return;
    try {
      await withDeadline(GCRA.run(this.redis.client, [tokenKey(key, 'gcra')], [this.intervalMs, this.toleranceMs, 'pause', pauseMs]), COMMAND_DEADLINE_MS);
    } catch (error) {
      this.failed(error);
    }
  }

  private failed(error: unknown): void {
    if (this.degradedAt !== undefined) return;
    this.degradedAt = this.clock.now();
    this.options.logger?.warn(
      { reason: error instanceof Error ? error.message : 'not connected', share: fallbackShare(this.options.perSecond, this.options.burst, this.options.replicas) },
      'Redis is away: each replica counts its share of the Dixa rate budget locally',
    );
  }

  private recovered(): void {
    if (this.degradedAt === undefined) return;
    this.degradedAt = undefined;
    this.options.logger?.info('Redis is back: the Dixa rate budget is shared again');
  }
}

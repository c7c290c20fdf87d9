// The queue in front of every Dixa call, so the gateway itself never causes a 429 (Dixa:
// 10 requests/s, burst 4, per token). It decides who goes next; the RateBudget
// (rate-budget.ts: in process, or shared by replicas in Redis) decides when.
//
// - Priorities: writes, then interactive reads, then background work (prefetch, gap
//   repair, readiness). A call never waits behind a queued call of a lower class, and
//   background calls take at most `backgroundShare` of a token's slots, so an interactive
//   call arriving during a warm-up finds a slot within one or two intervals.
// - A slot is taken at the moment the call is sent: a call is granted only while fewer than
//   `maxInFlight` calls (the pool's connections) are on the wire. Calls stuck behind slow
//   ones therefore wait here, without a slot, instead of leaving in a burst when they free up.
// - A call that would wait longer than `maxWaitMs` fails at once with RATE_LIMITED and the
//   wait in `retryAfterSeconds`, instead of piling up; a cancelled call leaves the queue.
// Per-token state exists only while a token has waiting calls: nothing grows with tenants.
import { systemClock, type Clock } from '../../clock.js';
import { CallCancelledError, RateLimitedError } from '../../errors.js';
import { LocalGcraBudget, gcraParameters, type RateBudget } from './rate-budget.js';

export type CallPriority = 'write' | 'interactive' | 'background';
const CLASSES: readonly CallPriority[] = ['write', 'interactive', 'background'];

export interface RateLimiterOptions {
  perSecond: number;
  burst: number;
  /** The longest a write or interactive call may queue before it is refused. */
  maxWaitMs: number;
  /** Calls on the wire at once, across tokens (the HTTP pool's connections). */
  maxInFlight?: number;
  /** The share of a token's slots background calls may take. */
  backgroundShare?: number;
  /** false: one FIFO queue for every class (the benchmark's baseline). */
  priorities?: boolean;
  clock?: Clock;
  /** Where slots are counted; default: in this process. */
  budget?: RateBudget;
}

/** A granted call: release it when the exchange with Dixa is over. */
export interface Permit {
  release(): void;
}

export interface AcquireOptions {
  priority?: CallPriority;
  signal?: AbortSignal | undefined;
}

interface Waiter {
  priority: CallPriority;
  resolve: (permit: Permit) => void;
  reject: (error: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/** One token's waiting calls, by class. */
interface Lane {
  queues: Record<CallPriority, Waiter[]>;
  timer: NodeJS.Timeout | undefined;
  draining: boolean;
}

export class RateLimiter {
  private readonly lanes = new Map<string, Lane>();
  /** Tokens whose next call waits for a free connection. */
  private readonly blocked = new Set<string>();
  private inFlight = 0;
  private readonly budget: RateBudget;
  private readonly localBudget: LocalGcraBudget | undefined;
  /** Background calls' own, smaller budget: `backgroundShare` of the rate, no burst. */
  private readonly backgroundBudget: LocalGcraBudget | undefined;
  private readonly intervalMs: number;
  private readonly clock: Clock;
  private readonly maxInFlight: number;
  private readonly priorities: boolean;

  constructor(private readonly options: RateLimiterOptions) {
    this.clock = options.clock ?? systemClock;
    this.intervalMs = gcraParameters(options.perSecond, options.burst).intervalMs;
    this.maxInFlight = options.maxInFlight ?? Infinity;
    this.priorities = options.priorities ?? true;
    if (options.budget) this.budget = options.budget;
    else {
      /**
       * One call of the burst is held back: Dixa counts a call when it arrives, and network
       * jitter can bring two calls closer together than they were sent. With one of
       * headroom Dixa's bucket never runs dry before ours does.
       */
      this.localBudget = new LocalGcraBudget({ perSecond: options.perSecond, burst: Math.max(1, options.burst - 1), clock: this.clock });
      this.budget = this.localBudget;
    }
    const share = options.backgroundShare ?? 0.5;
    if (this.priorities && share < 1) {
      this.backgroundBudget = new LocalGcraBudget({ perSecond: Math.max(0.01, options.perSecond * share), burst: 1, clock: this.clock });
    }
  }

  /**
   * Resolves with a permit when the call may be sent now; rejects with RATE_LIMITED when a
   * write or interactive call would wait too long, or when the signal aborts first.
   */
  acquire(key: string, { priority = 'interactive', signal }: AcquireOptions = {}): Promise<Permit> {
    const cls = this.priorities ? priority : 'interactive';
    if (signal?.aborted) return Promise.reject(new CallCancelledError('wait for a Dixa rate-limit slot'));
    const lane = this.laneOf(key);
    if (cls !== 'background') {
      const waitMs = this.expectedWaitMs(key, lane, cls);
      if (waitMs > this.options.maxWaitMs) {
        this.forgetIfIdle(key, lane);
        const seconds = Math.ceil(waitMs / 1000);
        return Promise.reject(
          new RateLimitedError(seconds, `Too many Dixa calls are queued for this token (Dixa allows ${this.options.perSecond}/s); retry after ${seconds} s.`),
        );
      }
    }
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = {
        priority: cls,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const queue = lane.queues[cls];
          const index = queue.indexOf(waiter);
          if (index >= 0) queue.splice(index, 1);
          this.forgetIfIdle(key, lane);
          reject(new CallCancelledError('wait for a Dixa rate-limit slot'));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      lane.queues[cls].push(waiter);
      // A lane may be asleep only because background had to wait for its share: look again.
      if (cls !== 'background' && lane.timer) {
        clearTimeout(lane.timer);
        lane.timer = undefined;
      }
      void this.drain(key);
    });
  }

  /** Dixa answered 429 anyway: hold every call on this token for `seconds`. */
  pause(key: string, seconds: number): void {
    void this.budget.pauseUntil(key, this.clock.now() + seconds * 1000);
  }

  /** Calls waiting for this token, for tests and metrics. */
  queued(key: string): number {
    const lane = this.lanes.get(key);
    return lane ? CLASSES.reduce((sum, cls) => sum + lane.queues[cls].length, 0) : 0;
  }

  /** Tokens with waiting calls (bounded by the calls in flight, not by tenants seen). */
  get activeTokens(): number {
    return this.lanes.size;
  }

  private laneOf(key: string): Lane {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { queues: { write: [], interactive: [], background: [] }, timer: undefined, draining: false };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private forgetIfIdle(key: string, lane: Lane): void {
    if (this.lanes.get(key) !== lane || lane.timer || lane.draining) return;
    if (CLASSES.every((cls) => lane.queues[cls].length === 0)) {
      this.lanes.delete(key);
      this.blocked.delete(key);
    }
  }

  private expectedWaitMs(key: string, lane: Lane, cls: CallPriority): number {
    // Calls of this class and above go first; background ones do not delay this one.
    const ahead = CLASSES.slice(0, CLASSES.indexOf(cls) + 1).reduce((sum, c) => sum + lane.queues[c].length, 0);
    return (this.localBudget?.waitMs(key) ?? 0) + ahead * this.intervalMs;
  }

  /** The next call to grant: the first of the highest class; background only within its share. */
  private next(key: string, lane: Lane): { waiter: Waiter } | { retryInMs: number } | undefined {
    for (const cls of CLASSES) {
      const waiter = lane.queues[cls][0];
      if (!waiter) continue;
      if (cls === 'background' && this.backgroundBudget) {
        const wait = this.backgroundBudget.waitMs(key);
        if (wait > 0) return { retryInMs: wait };
      }
      return { waiter };
    }
    return undefined;
  }

  private async drain(key: string): Promise<void> {
    const lane = this.lanes.get(key);
    if (!lane || lane.draining || lane.timer) return;
    lane.draining = true;
    try {
      for (;;) {
        const next = this.next(key, lane);
        if (!next) break;
        if ('retryInMs' in next) {
          this.wakeIn(key, lane, next.retryInMs);
          break;
        }
        if (this.inFlight >= this.maxInFlight) {
          this.blocked.add(key);
          break;
        }
        // Out of the queue while its slot is asked for, so no estimate counts it twice.
        const chosen = next.waiter;
        lane.queues[chosen.priority].shift();
        const waitMs = await this.budget.tryTake(key);
        if (chosen.signal?.aborted) continue; // it has left (and was told so); a slot it took is spent
        if (waitMs > 0) {
          lane.queues[chosen.priority].unshift(chosen);
          this.wakeIn(key, lane, waitMs);
          break;
        }
        if (chosen.priority === 'background') this.backgroundBudget?.tryTake(key);
        chosen.signal?.removeEventListener('abort', chosen.onAbort);
        chosen.resolve(this.grant());
      }
    } finally {
      lane.draining = false;
      this.forgetIfIdle(key, lane);
    }
  }

  private wakeIn(key: string, lane: Lane, ms: number): void {
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      void this.drain(key);
    }, Math.max(1, Math.ceil(ms)));
  }

  private grant(): Permit {
    this.inFlight++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.wakeBlocked();
      },
    };
  }

  /** A connection is free: the blocked token whose next call ranks highest goes first. */
  private wakeBlocked(): void {
    let best: { key: string; rank: number } | undefined;
    for (const key of this.blocked) {
      const lane = this.lanes.get(key);
      const rank = lane ? CLASSES.findIndex((cls) => lane.queues[cls].length > 0) : -1;
      if (rank < 0) {
        this.blocked.delete(key);
        continue;
      }
      if (!best || rank < best.rank) best = { key, rank };
    }
    if (!best) return;
    this.blocked.delete(best.key);
    void this.drain(best.key);
  }
}

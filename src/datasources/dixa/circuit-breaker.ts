// A circuit breaker per token fingerprint. It opens when, within the last `windowMs`, at
// least `threshold` calls failed upstream (5xx, timeouts, resets — not 4xx, which are
// answers) and they were at least half of the calls: a failure rate, so a trickle of
// successes cannot keep a failing Dixa's circuit closed. Open, calls fail fast for
// `cooldownMs`; then one probe is let through (half-open). The probe's success closes the
// circuit, its failure opens it again, and a probe that never reached Dixa (its caller gave
// up while it waited for a rate-limit slot) hands half-open back, so the next call probes.
// A probe that never reports is given up after `probeLeaseMs`.
//
// Why not opossum or cockatiel: cockatiel makes every call wait for the half-open probe
// (they would queue behind a probe stalled in the rate limiter) and closes the circuit when
// the probe fails with an error it does not count, which is the stuck-open defect in
// reverse; opossum wraps one function per breaker, not one breaker per tenant key.
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../../clock.js';
import { CircuitOpenError } from '../../errors.js';

export interface CircuitBreakerOptions {
  /** Upstream failures within the window that open the circuit (if they are at least half the calls). */
  threshold: number;
  cooldownMs: number;
  windowMs?: number;
  /** The longest a probe may go without reporting before another one is allowed. */
  probeLeaseMs?: number;
  clock?: Clock;
  /** Tokens tracked at once (bounded: an evicted token starts closed). */
  maxKeys?: number;
}

/** One call's pass through the breaker; report how it ended exactly once. */
export interface CircuitTicket {
  readonly probe: boolean;
}

type State =
  | { kind: 'closed'; outcomes: { at: number; failed: boolean }[]; lastFailure?: string | undefined }
  | { kind: 'open'; until: number; reason: string; lastFailure: string | undefined }
  | { kind: 'half-open'; probe: CircuitTicket; leaseUntil: number; reason: string; lastFailure: string | undefined };

const NOT_A_PROBE: CircuitTicket = Object.freeze({ probe: false });

export class CircuitBreaker {
  private readonly states: LRUCache<string, State>;
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly probeLeaseMs: number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.clock = options.clock ?? systemClock;
    this.windowMs = options.windowMs ?? 30_000;
    this.probeLeaseMs = options.probeLeaseMs ?? 60_000;
    this.states = new LRUCache({ max: options.maxKeys ?? 100_000 });
  }

  /** Lets the call through (as a probe when the cooldown is over), or throws CircuitOpenError. */
  admit(key: string, operation: string): CircuitTicket {
    const state = this.states.get(key);
    if (!state || state.kind === 'closed') return NOT_A_PROBE;
    const now = this.clock.now();
    if ((state.kind === 'open' && now >= state.until) || (state.kind === 'half-open' && now >= state.leaseUntil)) {
      const probe: CircuitTicket = { probe: true };
      this.states.set(key, { kind: 'half-open', probe, leaseUntil: now + this.probeLeaseMs, reason: state.reason, lastFailure: state.lastFailure });
      return probe;
    }
    const retryAfterSeconds = state.kind === 'open' ? Math.max(1, Math.ceil((state.until - now) / 1000)) : 1;
    throw new CircuitOpenError(operation, state.reason, retryAfterSeconds, state.lastFailure);
  }

  /** Dixa answered (any status that is not a failure of Dixa). */
  succeeded(key: string, ticket: CircuitTicket): void {
    const state = this.states.get(key);
    if (!state) return;
    if (state.kind === 'half-open') {
      if (state.probe === ticket) this.states.delete(key);
      return;
    }
    if (state.kind === 'closed') this.record(key, state, false);
  }

  /** Dixa failed (5xx, timeout, reset); `cause` says how, for the open circuit's message. */
  failed(key: string, ticket: CircuitTicket, cause?: string): void {
    const state = this.states.get(key) ?? { kind: 'closed', outcomes: [] };
    if (state.kind === 'half-open') {
      if (state.probe === ticket) this.open(key, 'the trial call after a pause failed too', cause ?? state.lastFailure);
      return;
    }
    if (state.kind === 'open') return;
    state.lastFailure = cause;
    this.record(key, state, true);
    const failures = state.outcomes.filter((o) => o.failed).length;
    if (failures >= this.options.threshold && failures * 2 >= state.outcomes.length) {
      this.open(key, `Dixa failed ${failures} of the last ${state.outcomes.length} calls within ${Math.round(this.windowMs / 1000)} s`, cause);
    }
  }

  /** The call ended without reaching Dixa (cancelled, refused by the rate limiter): a probe hands half-open back. */
  abandoned(key: string, ticket: CircuitTicket): void {
    const state = this.states.get(key);
    if (state?.kind === 'half-open' && state.probe === ticket) {
      this.states.set(key, { kind: 'open', until: this.clock.now(), reason: state.reason, lastFailure: state.lastFailure });
    }
  }

  private record(key: string, state: Extract<State, { kind: 'closed' }>, failed: boolean): void {
    const now = this.clock.now();
    state.outcomes.push({ at: now, failed });
    // The window is bounded in time and in length, so a busy token costs O(1) amortized.
    while (state.outcomes.length > 0 && (state.outcomes[0]!.at <= now - this.windowMs || state.outcomes.length > 4 * Math.max(this.options.threshold, 25))) {
      state.outcomes.shift();
    }
    if (!failed && state.outcomes.every((o) => !o.failed)) this.states.delete(key);
    else this.states.set(key, state);
  }

  private open(key: string, reason: string, lastFailure: string | undefined): void {
    this.states.set(key, { kind: 'open', until: this.clock.now() + this.options.cooldownMs, reason, lastFailure });
  }

  /** Forgets every circuit (operators' and tests' clean slate). */
  reset(): void {
    this.states.clear();
  }

  stateOf(key: string): State['kind'] {
    const state = this.states.get(key);
    if (state?.kind === 'open' && this.clock.now() >= state.until) return 'half-open';
    return state?.kind ?? 'closed';
  }
}

// A circuit breaker per token fingerprint: after `threshold` upstream failures in a row
// (5xx, timeouts, resets — not 4xx, which are answers), calls fail fast for `cooldownMs`
// instead of queueing behind a Dixa that is down. Then one trial call is let through
// (half-open): success closes the circuit, failure opens it again.
import { CircuitOpenError } from '../../errors.js';

export interface CircuitBreakerOptions {
  threshold: number;
  cooldownMs: number;
}

type State = { kind: 'closed'; failures: number } | { kind: 'open'; until: number } | { kind: 'half-open' };

export class CircuitBreaker {
  private readonly states = new Map<string, State>();

  constructor(private readonly options: CircuitBreakerOptions) {}

  /** Throws when the circuit for this key is open; otherwise the call may go. */
  check(key: string, operation: string): void {
    const state = this.states.get(key);
    if (!state || state.kind === 'closed') return;
    const now = Date.now();
    if (state.kind === 'open' && now >= state.until) {
      this.states.set(key, { kind: 'half-open' });
      return;
    }
    const retryAfterSeconds = state.kind === 'open' ? Math.ceil((state.until - now) / 1000) : 1;
    throw new CircuitOpenError(operation, `Dixa has failed ${this.options.threshold} times in a row`, retryAfterSeconds);
  }

  succeeded(key: string): void {
    if (this.states.has(key)) this.states.delete(key);
  }

  failed(key: string): void {
    const state = this.states.get(key) ?? { kind: 'closed', failures: 0 };
    if (state.kind === 'half-open' || (state.kind === 'closed' && state.failures + 1 >= this.options.threshold)) {
      this.states.set(key, { kind: 'open', until: Date.now() + this.options.cooldownMs });
    } else if (state.kind === 'closed') {
      this.states.set(key, { kind: 'closed', failures: state.failures + 1 });
    }
  }

  /** Forgets every circuit (operators' and tests' clean slate). */
  reset(): void {
    this.states.clear();
  }

  stateOf(key: string): State['kind'] {
    const state = this.states.get(key);
    if (state?.kind === 'open' && Date.now() >= state.until) return 'half-open';
    return state?.kind ?? 'closed';
  }
}

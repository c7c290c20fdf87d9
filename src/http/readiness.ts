// GET /readyz's verdict: one Dixa connection check shared by every caller. The verdict is
// kept for a short time and concurrent callers wait on the same check, so any number of
// probes (or an unauthenticated flood) costs Dixa at most one check per TTL. The check
// always uses the configured token, never a caller's X-Dixa-Token, and its calls are marked
// background work. Without a gateway key the answer is a status and a code only.
import type { ConnectionVerdict } from '../datasources/dixa/connection-check.js';

export interface ReadinessOptions {
  check: () => Promise<ConnectionVerdict>;
  /** How long a verdict is reused. */
  ttlMs: number;
  now: () => number;
  /** Demo mode: the gateway serves a fake Dixa. */
  demo: boolean;
  /**
   * With REDIS_URL: is Redis reachable now? Reported, not a reason to be unready: while it is
   * away, reads still answer (from the cache and Dixa) and only writes that need a shared
   * idempotency record are refused, so taking every replica out of the balancer would be worse.
   */
  redisReady?: () => boolean;
}

export interface ReadinessAnswer {
  status: 'ready' | 'unavailable';
  ok: boolean;
  mode: 'demo' | 'live';
  errorCode: string | null;
  checkedAt: string;
  /** With REDIS_URL: whether the shared state is reachable. */
  redis?: 'connected' | 'unavailable';
  /** Only for callers that presented a gateway key. */
  message?: string | null;
  organization?: ConnectionVerdict['organization'];
}

export const READINESS_TTL_MS = 5_000;

export class Readiness {
  private cached: { verdict: ConnectionVerdict; at: number } | undefined;
  private pending: Promise<ConnectionVerdict> | undefined;

  constructor(private readonly options: ReadinessOptions) {}

  /** The last verdict if it is fresh, else the check in flight, else a new check. */
  verdict(): Promise<ConnectionVerdict> {
    const cached = this.cached;
    if (cached && this.options.now() - cached.at < this.options.ttlMs) return Promise.resolve(cached.verdict);
    this.pending ??= this.options
      .check()
      .then((verdict) => {
        this.cached = { verdict, at: this.options.now() };
        return verdict;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  async answer(authenticated: boolean): Promise<ReadinessAnswer> {
    const verdict = await this.verdict();
    const answer: ReadinessAnswer = {
      status: verdict.ok ? 'ready' : 'unavailable',
      ok: verdict.ok,
      mode: this.options.demo ? 'demo' : 'live',
      errorCode: verdict.errorCode,
      checkedAt: verdict.checkedAt,
      ...(this.options.redisReady ? { redis: this.options.redisReady() ? 'connected' : 'unavailable' } : {}),
    };
    if (!authenticated) return answer;
    return { ...answer, message: verdict.message, organization: verdict.organization };
  }
}

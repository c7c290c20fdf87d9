// When a failed Dixa call may be repeated, and how long to wait first. Only calls that
// cannot duplicate anything are repeated (reads, and PUT/DELETE actions); POSTs that
// create things are never repeated here — the write path checks Dixa first. Every verdict
// is made on the error's class (src/errors.ts), never on its message or extensions.
import {
  CircuitOpenError,
  DixaRateLimitError,
  DixaServerError,
  UnreadableAnswerError,
  UpstreamTimeoutError,
  UpstreamUnreachableError,
} from '../../errors.js';

export interface RetryOptions {
  /** Attempts in all, including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);

/** A failure that may go away by itself: 429, 5xx, a timeout or a broken connection. */
export function isTransient(error: unknown): boolean {
  if (error instanceof DixaRateLimitError) return true;
  if (error instanceof DixaServerError) return TRANSIENT_STATUSES.has(error.dixaStatus as number);
  // The gateway's own verdicts (an open circuit, a full rate-limit queue) are final.
  return error instanceof UpstreamTimeoutError || error instanceof UpstreamUnreachableError;
}

/** Dixa is failing (as opposed to answering): what the circuit breaker counts. */
export function isUpstreamFailure(error: unknown): boolean {
  if (error instanceof DixaServerError) return (error.dixaStatus as number) >= 500;
  return error instanceof UpstreamTimeoutError || error instanceof UpstreamUnreachableError;
}

/** Dixa answered (any status): the breaker sees a Dixa that is up. */
export function isDixaAnswer(error: unknown): boolean {
  return !(error instanceof CircuitOpenError) && !isUpstreamFailure(error) && (error as { dixaStatus?: unknown })?.dixaStatus !== undefined;
}

/**
 * May Dixa have stored a write although the call failed? Yes when Dixa was failing (5xx,
 * timeout, broken connection) or answered 2xx with a body that could not be read; no for
 * answers that refuse it (4xx) and for the gateway's own refusals.
 */
export function mayHaveBeenStored(error: unknown): boolean {
  return isUpstreamFailure(error) || error instanceof UnreadableAnswerError;
}

/** Full-jitter exponential backoff (a 429 waits in the rate limiter instead, for its Retry-After). */
export function backoffMs(attempt: number, options: RetryOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(Math.random() * ceiling);
}

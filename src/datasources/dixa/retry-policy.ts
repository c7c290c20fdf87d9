// When a failed Dixa call may be repeated, and how long to wait first. Only calls that
// cannot duplicate anything are repeated (reads, and PUT/DELETE actions); POSTs that
// create things are never repeated here — the write path checks Dixa first.
import { ErrorCode, GatewayError } from '../../errors.js';

export interface RetryOptions {
  /** Attempts in all, including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504]);

/** A failure that may go away by itself: 429, 5xx, a timeout or a broken connection. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof GatewayError)) return false;
  // An open circuit is the gateway's own verdict, not Dixa's: repeating it is pointless.
  if (error.extensions.circuit === 'open') return false;
  // Any answer Dixa gave has a status (an unreadable 200 included); only some are worth repeating.
  const status = error.extensions.dixaStatus;
  if (typeof status === 'number') return TRANSIENT_STATUSES.has(status);
  // No status: the gateway's own refusal (rate-limit queue full) is final; a timeout or a broken connection is not.
  return error.code === ErrorCode.UPSTREAM_TIMEOUT || error.code === ErrorCode.UPSTREAM_ERROR;
}

/** Dixa is failing (as opposed to answering): what the circuit breaker counts. */
export function isUpstreamFailure(error: unknown): boolean {
  if (!(error instanceof GatewayError) || error.extensions.circuit === 'open') return false;
  const status = error.extensions.dixaStatus;
  if (typeof status === 'number') return status >= 500;
  return error.code === ErrorCode.UPSTREAM_TIMEOUT || error.code === ErrorCode.UPSTREAM_ERROR;
}

/**
 * May Dixa have stored a write although the call failed? Yes when Dixa was failing (5xx,
 * timeout, broken connection) or answered 2xx with a body that could not be read; no for
 * answers that refuse it (4xx) and for the gateway's own refusals.
 */
export function mayHaveBeenStored(error: unknown): boolean {
  if (isUpstreamFailure(error)) return true;
  const status = error instanceof GatewayError ? error.extensions.dixaStatus : undefined;
  return typeof status === 'number' && status >= 200 && status < 300;
}

export function isDixaRateLimit(error: unknown): error is GatewayError {
  return error instanceof GatewayError && error.extensions.dixaStatus === 429;
}

/** Full-jitter exponential backoff (a 429 waits in the rate limiter instead, for its Retry-After). */
export function backoffMs(attempt: number, options: RetryOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(Math.random() * ceiling);
}

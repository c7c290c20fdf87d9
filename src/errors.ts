// The gateway's errors, one class per kind of failure (after undici's lib/core/errors.js):
// each has a fixed `name` and contract `code`, and typed fields (`dixaStatus`,
// `retryAfterSeconds`) that retry, circuit and exactly-once logic branch on by class.
// `extensions` is what a caller sees beside the code; only the GraphQL and HTTP edges read
// it. Nothing here knows GraphQL; src/graphql/error-format.ts turns these into GraphQL errors.

export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  READ_ONLY: 'READ_ONLY',
  UNSUPPORTED_CHANNEL: 'UNSUPPORTED_CHANNEL',
  DIXA_AUTH_FAILED: 'DIXA_AUTH_FAILED',
  DIXA_FORBIDDEN: 'DIXA_FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  /** Beyond the contract's list: the shared state (Redis) a write needs is unreachable; nothing was sent. */
  STATE_UNAVAILABLE: 'STATE_UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class GatewayError extends Error {
  readonly code: ErrorCode;
  /** What the caller may act on, shown beside `code`. Read by the edges, never branched on. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** The HTTP status Dixa answered with, when the failure is an answer from Dixa. */
  readonly dixaStatus: number | undefined;

  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, options?: ErrorOptions & { dixaStatus?: number }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.dixaStatus = options?.dixaStatus;
    this.extensions = this.dixaStatus === undefined ? extensions : { ...extensions, dixaStatus: this.dixaStatus };
  }
}

type Options = ErrorOptions & { dixaStatus?: number };

export class BadUserInputError extends GatewayError {
  constructor(message: string, extensions: Record<string, unknown> = {}, options?: Options) {
    super(ErrorCode.BAD_USER_INPUT, message, extensions, options);
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string, extensions: Record<string, unknown> = {}, options?: Options) {
    super(ErrorCode.NOT_FOUND, message, extensions, options);
  }
}

export class ReadOnlyError extends GatewayError {
  constructor(mutation: string) {
    super(
      ErrorCode.READ_ONLY,
      `${mutation} changes Dixa, but the gateway runs read-only. Set DIXA_ACCESS=read-write to allow writes.`,
      { mutation },
    );
  }
}

export class UnsupportedChannelError extends GatewayError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.UNSUPPORTED_CHANNEL, message, extensions);
  }
}

export class IdempotencyConflictError extends GatewayError {
  constructor(idempotencyKey: string) {
    super(
      ErrorCode.IDEMPOTENCY_CONFLICT,
      `idempotencyKey ${JSON.stringify(idempotencyKey)} was used before with a different input; send the same input to get the first result, or use a new key.`,
      { idempotencyKey },
    );
  }
}

/** The key's record was claimed by another attempt that has not finished (another instance on the same store). */
export class IdempotencyKeyBusyError extends GatewayError {
  constructor(idempotencyKey: string) {
    super(
      ErrorCode.IDEMPOTENCY_CONFLICT,
      `idempotencyKey ${JSON.stringify(idempotencyKey)} is being used by another request that has not finished; retry with the same input in a few seconds.`,
      { idempotencyKey },
    );
  }
}

/**
 * The shared state a write must record before it is sent (Redis) cannot be reached. The
 * write is refused rather than risk a duplicate; nothing reached Dixa.
 */
export class StateUnavailableError extends GatewayError {
  readonly retryAfterSeconds: number;

  constructor(what: string, retryAfterSeconds = 5) {
    super(
      ErrorCode.STATE_UNAVAILABLE,
      `The gateway cannot reach its shared state (Redis) to record ${what}, so nothing was sent to Dixa; retry in ${retryAfterSeconds} s with the same idempotencyKey.`,
      { retryAfterSeconds },
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The shared event log (Redis) cannot be reached: nothing was stored or read. The webhook
 * receiver answers 503 so Dixa retries; live subscriptions wait and resume.
 */
export class EventLogUnavailableError extends GatewayError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds = 5, options?: ErrorOptions) {
    super(ErrorCode.STATE_UNAVAILABLE, `The gateway cannot reach its shared event log (Redis); retry in ${retryAfterSeconds} s.`, { retryAfterSeconds }, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class DixaAuthFailedError extends GatewayError {
  constructor(options?: Options) {
    super(
      ErrorCode.DIXA_AUTH_FAILED,
      'Dixa rejected the API token (401): it is wrong, revoked, or was pasted with extra characters. ' +
        'Create the token as a Dixa admin under Settings > Manage > Integrations > API Tokens, choose "Dixa API", ' +
        'and copy it without spaces or line breaks.',
      {},
      options,
    );
  }
}

export class DixaForbiddenError extends GatewayError {
  constructor(operation: string, options?: Options) {
    super(
      ErrorCode.DIXA_FORBIDDEN,
      `The Dixa token may not ${operation} (403). Use a token created by a Dixa admin, not by an agent.`,
      { operation },
      options,
    );
  }
}

/** The gateway's own refusal: too many calls queued for a token's rate budget. */
export class RateLimitedError extends GatewayError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, message = `Dixa's rate limit for this token is exhausted; retry after ${retryAfterSeconds} s.`, options?: ErrorOptions & { dixaStatus?: number }) {
    super(ErrorCode.RATE_LIMITED, message, { retryAfterSeconds }, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Dixa answered 429: nothing was stored, and the token's budget is spent for Retry-After. */
export class DixaRateLimitError extends RateLimitedError {
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds, undefined, { dixaStatus: 429 });
  }
}

export class UpstreamTimeoutError extends GatewayError {
  constructor(operation: string, options?: ErrorOptions) {
    super(ErrorCode.UPSTREAM_TIMEOUT, `Dixa did not answer in time (${operation}).`, { operation }, options);
  }
}

/** The caller's request ended (deadline, disconnect) while its call waited to be sent: nothing reached Dixa. */
export class CallCancelledError extends UpstreamTimeoutError {}

/** Dixa failed to do something: the family of UPSTREAM_ERROR failures. */
export class UpstreamError extends GatewayError {
  constructor(operation: string, detail: string, extensions: Record<string, unknown> = {}, options?: ErrorOptions & { dixaStatus?: number }) {
    super(ErrorCode.UPSTREAM_ERROR, `Dixa failed to ${operation}: ${detail}.`, { operation, ...extensions }, options);
  }
}

/** Dixa answered with a 5xx (or another status the gateway has no meaning for). */
export class DixaServerError extends UpstreamError {
  constructor(operation: string, status: number, message: string | undefined) {
    super(operation, `HTTP ${status}${message ? ` (${message})` : ''}`, {}, { dixaStatus: status });
  }
}

/** Dixa answered 2xx with a body that is not JSON: it may have done the write. */
export class UnreadableAnswerError extends UpstreamError {
  constructor(operation: string, status: number, options?: ErrorOptions) {
    super(operation, 'the answer was not readable JSON', {}, { ...options, dixaStatus: status });
  }
}

/** No answer at all: the connection failed or was reset. */
export class UpstreamUnreachableError extends UpstreamError {
  /** The system's or undici's code, e.g. ECONNREFUSED. */
  readonly causeCode: string;

  constructor(operation: string, causeCode: string, options?: ErrorOptions) {
    super(operation, `the connection failed (${causeCode})`, {}, options);
    this.causeCode = causeCode;
  }
}

/** The token's circuit is open: the gateway's own verdict, nothing was sent. */
export class CircuitOpenError extends UpstreamError {
  readonly retryAfterSeconds: number;
  /** What the last failure that opened the circuit said (e.g. "the connection failed (ECONNREFUSED)"). */
  readonly lastFailure: string | undefined;

  constructor(operation: string, reason: string, retryAfterSeconds: number, lastFailure?: string) {
    super(operation, `${reason}, so calls are paused for ${retryAfterSeconds} s`, { retryAfterSeconds, circuit: 'open' });
    this.retryAfterSeconds = retryAfterSeconds;
    this.lastFailure = lastFailure;
  }
}

/** Dixa refused the request as malformed or conflicting (400, 409, 422). */
export class DixaRefusedError extends BadUserInputError {
  readonly status: number;

  constructor(operation: string, status: number, message: string | undefined) {
    super(`Dixa refused to ${operation}: ${message ?? 'bad request'}.`, {}, { dixaStatus: status });
    this.status = status;
  }
}

/** Dixa's 400 "Duplicate externalId": a message with this externalId is already stored. */
export class DuplicateExternalIdError extends DixaRefusedError {}

/** A failure of the HTTP layer (not GraphQL): its status and a code callers can read. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: HttpErrorCode,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export type HttpErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'SERVICE_UNAVAILABLE'
  | 'WEBHOOKS_NOT_CONFIGURED'
  | 'WEBHOOKS_BUSY'
  | 'QUERY_TOO_COMPLEX'
  | 'PERSISTED_QUERY_ID_REQUIRED'
  | 'PERSISTED_QUERY_NOT_IN_LIST'
  | 'TOO_MANY_REQUESTS'
  | 'WEBHOOK_SIGNATURE_MISSING'
  | 'WEBHOOK_SIGNATURE_MALFORMED'
  | 'WEBHOOK_SIGNATURE_MISMATCH'
  | 'WEBHOOK_TIMESTAMP_STALE'
  | 'WEBHOOK_PAYLOAD_INVALID';

/** A non-2xx answer from Dixa, as the transport read it. */
export interface DixaFailure {
  status: number;
  /** Dixa's `{message}` text, when the body had one. */
  message: string | undefined;
  /** What the gateway was doing, in words: "read conversation 12". */
  operation: string;
  retryAfterSeconds?: number;
}

const DUPLICATE_EXTERNAL_ID = /duplicate\s*externalid/i;

/**
 * The one place Dixa statuses become gateway errors, called where the response is read.
 * Reads turn 404 into null before this; writes get NOT_FOUND, re-worded by their caller.
 */
export function errorFromDixa(failure: DixaFailure): GatewayError {
  const { status, message, operation } = failure;
  if (status === 401) return new DixaAuthFailedError({ dixaStatus: 401 });
  if (status === 403) return new DixaForbiddenError(operation, { dixaStatus: 403 });
  if (status === 404) return new NotFoundError(`Dixa has no such resource (${operation}).`, {}, { dixaStatus: 404 });
  if (status === 429) return new DixaRateLimitError(failure.retryAfterSeconds ?? 1);
  if (status === 400 && message && DUPLICATE_EXTERNAL_ID.test(message)) return new DuplicateExternalIdError(operation, status, message);
  if (status === 400 || status === 409 || status === 422) return new DixaRefusedError(operation, status, message);
  return new DixaServerError(operation, status, message);
}

// The gateway's error codes (from the public contract) and how Dixa's HTTP answers map to
// them. Errors are values: each class carries a stable `code` and the extensions a caller
// may act on. Nothing here knows GraphQL; the Apollo layer turns these into GraphQL errors.

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
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly extensions: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.extensions = extensions;
  }
}

export class BadUserInputError extends GatewayError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.BAD_USER_INPUT, message, extensions);
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.NOT_FOUND, message, extensions);
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

export class DixaAuthFailedError extends GatewayError {
  constructor(options?: ErrorOptions) {
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
  constructor(operation: string, options?: ErrorOptions) {
    super(
      ErrorCode.DIXA_FORBIDDEN,
      `The Dixa token may not ${operation} (403). Use a token created by a Dixa admin, not by an agent.`,
      { operation },
      options,
    );
  }
}

export class RateLimitedError extends GatewayError {
  constructor(retryAfterSeconds: number, message = `Dixa's rate limit for this token is exhausted; retry after ${retryAfterSeconds} s.`) {
    super(ErrorCode.RATE_LIMITED, message, { retryAfterSeconds });
  }
}

export class UpstreamTimeoutError extends GatewayError {
  constructor(operation: string, options?: ErrorOptions) {
    super(ErrorCode.UPSTREAM_TIMEOUT, `Dixa did not answer in time (${operation}).`, { operation }, options);
  }
}

export class UpstreamError extends GatewayError {
  constructor(operation: string, detail: string, extensions: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(ErrorCode.UPSTREAM_ERROR, `Dixa failed to ${operation}: ${detail}.`, { operation, ...extensions }, options);
  }
}

/** A non-2xx answer from Dixa, as the client saw it. */
export interface DixaFailure {
  status: number;
  /** Dixa's `{message}` text, when the body had one. */
  message: string | undefined;
  /** What the gateway was doing, in words: "read conversation 12". */
  operation: string;
  retryAfterSeconds?: number;
}

/**
 * The one place Dixa statuses become gateway errors. 404 is not mapped here: reads turn it
 * into null and writes into NOT_FOUND with a message naming the missing thing.
 */
export function errorFromDixa(failure: DixaFailure): GatewayError {
  const { status, message, operation } = failure;
  if (status === 401) return new DixaAuthFailedError();
  if (status === 403) return new DixaForbiddenError(operation);
  if (status === 404) return new NotFoundError(`Dixa has no such resource (${operation}).`);
  if (status === 429) {
    const error = new RateLimitedError(failure.retryAfterSeconds ?? 1);
    error.extensions.dixaStatus = 429;
    return error;
  }
  if (status === 400 || status === 409 || status === 422) {
    return new BadUserInputError(`Dixa refused to ${operation}: ${message ?? 'bad request'}.`, { dixaStatus: status });
  }
  return new UpstreamError(operation, `HTTP ${status}${message ? ` (${message})` : ''}`, { dixaStatus: status });
}

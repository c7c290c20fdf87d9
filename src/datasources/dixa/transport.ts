// The HTTP transport to Dixa: one keep-alive undici pool for the process, the token in the
// Authorization header, JSON both ways, and every failure turned into a gateway error
// with a code (src/errors.ts). Each call passes the token's circuit breaker and rate
// limiter, and calls that cannot duplicate anything are retried with backoff. It knows
// nothing of endpoints, caching or GraphQL.
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, errors as undiciErrors } from 'undici';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { ApiVersion } from '../../config.js';
import { DixaRateLimitError, GatewayError, UnreadableAnswerError, UpstreamTimeoutError, UpstreamUnreachableError, errorFromDixa } from '../../errors.js';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import type { RateBudget } from './rate-budget.js';
import { RateLimiter, type CallPriority, type Permit, type RateLimiterOptions } from './rate-limiter.js';
import { backoffMs, isDixaAnswer, isTransient, isUpstreamFailure, type RetryOptions } from './retry-policy.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface DixaRequest {
  method: HttpMethod;
  /** Path after the version prefix, segments already validated and encoded: `/conversations/12`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** What the gateway is doing, in words, for errors and logs: "read conversation 12". */
  operation: string;
  /** Answer null instead of throwing on 404 (reads). */
  notFoundAsNull?: boolean;
  /**
   * May the call be repeated after an ambiguous failure? Default: GET, PUT and DELETE yes
   * (reads and idempotent actions), POST and PATCH no. Searches (POST) are reads: true.
   */
  idempotent?: boolean;
  signal?: AbortSignal | undefined;
  /** Who waits for the answer: default `interactive` for reads, `write` for the rest. */
  priority?: CallPriority;
}

export type { CallPriority } from './rate-limiter.js';

export interface TransportOptions {
  apiUrl: string;
  apiVersion: ApiVersion;
  connections: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  rateLimit: RateLimiterOptions;
  retry: RetryOptions;
  circuit: CircuitBreakerOptions;
  /** Where each token's budget is counted (shared by replicas in Redis); default: in this process. */
  rateBudget?: RateBudget;
  logger: Logger;
  /** Called once per HTTP exchange with Dixa (status 0: no answer), e.g. for metrics. */
  onCall?: (method: string, path: string, status: number, seconds: number) => void;
}

/** Everything a call needs to know about its caller's Dixa credentials. */
export interface DixaCredentials {
  token: string;
  /** SHA-256 of the token: safe to log and to key caches by. */
  fingerprint: string;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export class DixaTransport {
  private readonly pool: Dispatcher;
  private readonly basePath: string;
  private readonly logger: Logger;
  readonly limiter: RateLimiter;
  readonly breaker: CircuitBreaker;

  constructor(private readonly options: TransportOptions) {
    // A call takes its rate slot only when one of the pool's connections is free to send it.
    this.limiter = new RateLimiter({ maxInFlight: options.connections, ...options.rateLimit, ...(options.rateBudget ? { budget: options.rateBudget } : {}) });
    this.breaker = new CircuitBreaker(options.circuit);
    const url = new URL(options.apiUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.logger = options.logger;
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      connectTimeout: options.connectTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
  }

  /** The path prefix every Dixa path starts with, e.g. `/v1`. */
  get versionPrefix(): string {
    return `${this.basePath}/${this.options.apiVersion}`;
  }

  /** The parsed JSON body (Dixa's envelope); null for 204/202 and, when asked, 404. */
  async send<T>(request: DixaRequest, credentials: DixaCredentials): Promise<T | null> {
    const key = credentials.fingerprint;
    const idempotent = request.idempotent ?? (request.method === 'GET' || request.method === 'PUT' || request.method === 'DELETE');
    const maxAttempts = idempotent ? this.options.retry.maxAttempts : 1;
    const priority = request.priority ?? (request.method === 'GET' || idempotent && request.method === 'POST' ? 'interactive' : 'write');
    for (let attempt = 1; ; attempt++) {
      const ticket = this.breaker.admit(key, request.operation);
      let permit: Permit;
      try {
        permit = await this.limiter.acquire(key, { priority, signal: request.signal });
      } catch (error) {
        this.breaker.abandoned(key, ticket);
        throw error;
      }
      try {
        const result = await this.attempt<T>(request, credentials).finally(() => permit.release());
        this.breaker.succeeded(key, ticket);
        return result;
      } catch (error) {
        if (isUpstreamFailure(error)) this.breaker.failed(key, ticket, (error as Error).message);
        else if (isDixaAnswer(error)) this.breaker.succeeded(key, ticket);
        else this.breaker.abandoned(key, ticket);
        // Someone else spent this token's budget: everyone on it waits out Retry-After.
        if (error instanceof DixaRateLimitError) this.limiter.pause(key, error.retryAfterSeconds);
        if (attempt >= maxAttempts || !isTransient(error) || request.signal?.aborted) throw error;
        const waitMs = error instanceof DixaRateLimitError ? 0 : backoffMs(attempt, this.options.retry);
        this.logger.warn(
          { operation: request.operation, attempt, waitMs, code: (error as GatewayError).code, status: (error as GatewayError).dixaStatus },
          'retrying a Dixa call',
        );
        if (waitMs > 0) {
          try {
            await sleep(waitMs, undefined, { signal: request.signal });
          } catch {
            throw new UpstreamTimeoutError(request.operation);
          }
        }
      }
    }
  }

  private async attempt<T>(request: DixaRequest, credentials: DixaCredentials): Promise<T | null> {
    const path = `${this.versionPrefix}${request.path}${queryString(request.query)}`;
    const started = performance.now();
    let response: Dispatcher.ResponseData;
    try {
      response = await this.pool.request({
        method: request.method,
        path,
        headers: {
          authorization: credentials.token,
          accept: 'application/json',
          ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: request.body !== undefined ? JSON.stringify(request.body) : undefined,
        signal: request.signal,
      });
    } catch (error) {
      this.options.onCall?.(request.method, path, 0, (performance.now() - started) / 1000);
      throw this.transportError(error, request);
    }
    const { statusCode } = response;
    const ms = performance.now() - started;
    this.options.onCall?.(request.method, path, statusCode, ms / 1000);
    this.logger.debug({ method: request.method, path, status: statusCode, ms: Math.round(ms), tokenFingerprint: credentials.fingerprint.slice(0, 12) }, 'dixa call');

    if (statusCode === 204 || statusCode === 202) {
      await response.body.dump();
      return null;
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      throw this.transportError(error, request);
    }
    if (statusCode >= 200 && statusCode < 300) {
      if (text === '') return null;
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw new UnreadableAnswerError(request.operation, statusCode, { cause: error });
      }
    }
    if (statusCode === 404 && request.notFoundAsNull) return null;
    throw errorFromDixa({
      status: statusCode,
      message: messageOf(text),
      operation: request.operation,
      retryAfterSeconds: retryAfterSeconds(response.headers['retry-after']),
    });
  }

  private transportError(error: unknown, request: DixaRequest): GatewayError {
    if (error instanceof GatewayError) return error;
    const code = (error as { code?: string }).code ?? '';
    if (TIMEOUT_CODES.has(code) || (error as Error).name === 'TimeoutError') {
      return new UpstreamTimeoutError(request.operation, { cause: error });
    }
    if (error instanceof undiciErrors.RequestAbortedError || (error as Error).name === 'AbortError') {
      return new UpstreamTimeoutError(request.operation, { cause: error });
    }
    return new UpstreamUnreachableError(request.operation, code || (error as Error).message, { cause: error });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

function queryString(query: DixaRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function messageOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    return typeof body.message === 'string' ? body.message : undefined;
  } catch {
    return undefined;
  }
}

/** `Retry-After` is either seconds or an HTTP date. */
export function retryAfterSeconds(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

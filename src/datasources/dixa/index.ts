// The Dixa datasource: the process-wide pieces (HTTP pool, shared cache) and, per GraphQL
// request, a client bound to the caller's token plus fresh DataLoaders over the cache.
import type { Logger } from 'pino';
import type { GatewayConfig } from '../../config.js';
import { DixaClient } from './client.js';
import { createLoaders, type DixaLoaders } from './loaders.js';
import { RequestCacheChanges } from './cache-changes.js';
import { DixaCache } from './dixa-cache.js';
import { tokenFingerprint } from './token-fingerprint.js';
import type { RateBudget } from './rate-budget.js';
import { DixaTransport, type CallPriority, type TransportOptions } from './transport.js';

export interface RequestDixa {
  client: DixaClient;
  loaders: DixaLoaders;
  fingerprint: string;
  /** What this request's writes changed, told to the cache (and to these loaders). */
  changes: RequestCacheChanges;
}

export interface DixaDataSourceOptions extends Pick<TransportOptions, 'onCall'> {
  /** Where each token's rate budget is counted; default: in this process. */
  rateBudget?: RateBudget;
  /** The cache owner over its store(s); default: in this process only. */
  cache?: DixaCache;
}

export class DixaDataSource {
  readonly transport: DixaTransport;
  readonly cache: DixaCache;

  constructor(config: GatewayConfig, logger: Logger, options: DixaDataSourceOptions = {}) {
    this.transport = new DixaTransport({
      apiUrl: config.dixa.apiUrl,
      apiVersion: config.dixa.apiVersion,
      connections: config.dixa.connections,
      connectTimeoutMs: config.dixa.connectTimeoutMs,
      headersTimeoutMs: config.dixa.headersTimeoutMs,
      bodyTimeoutMs: config.dixa.bodyTimeoutMs,
      rateLimit: {
        ...config.dixa.rateLimit,
        maxWaitMs: config.dixa.rateLimitMaxWaitMs,
        backgroundShare: config.dixa.backgroundShare,
        priorities: config.dixa.priorities,
      },
      retry: { maxAttempts: config.dixa.retryMaxAttempts, baseDelayMs: config.dixa.retryBaseDelayMs, maxDelayMs: 5_000 },
      circuit: { threshold: config.dixa.circuitThreshold, cooldownMs: config.dixa.circuitCooldownMs },
      logger: logger.child({ component: 'dixa' }),
      ...(options.onCall ? { onCall: options.onCall } : {}),
      ...(options.rateBudget ? { rateBudget: options.rateBudget } : {}),
    });
    this.cache = options.cache ?? DixaCache.inMemory(config.cache);
  }

  /** What one GraphQL request uses; `signal` aborts its pending Dixa calls. */
  forRequest(token: string, signal?: AbortSignal, priority?: CallPriority): RequestDixa {
    const credentials = { token: token.trim(), fingerprint: tokenFingerprint(token) };
    // The second cache level (Redis) seals this token's entries with a key derived from it.
    this.cache.admitToken(credentials.fingerprint, credentials.token);
    const client = new DixaClient(this.transport, credentials, signal, priority);
    const loaders = createLoaders(client, this.cache);
    return {
      client,
      loaders,
      fingerprint: credentials.fingerprint,
      changes: new RequestCacheChanges(this.cache, credentials.fingerprint, loaders),
    };
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}

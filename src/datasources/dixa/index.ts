// The Dixa datasource: the process-wide pieces (HTTP pool, shared cache) and, per GraphQL
// request, a client bound to the caller's token plus fresh DataLoaders over the cache.
import type { Logger } from 'pino';
import type { GatewayConfig } from '../../config.js';
import { DixaClient } from './client.js';
import { createLoaders, type DixaLoaders } from './loaders.js';
import { RequestCacheChanges } from './cache-changes.js';
import { DixaCache } from './dixa-cache.js';
import { tokenFingerprint } from './token-fingerprint.js';
import { DixaTransport, type CallPriority, type TransportOptions } from './transport.js';
import { IdempotentWrites } from '../../writes/idempotent-writes.js';
import { MemoryIdempotencyStore } from '../../writes/memory-idempotency-store.js';
import { PendingMessages } from './pending-messages.js';

export interface RequestDixa {
  client: DixaClient;
  loaders: DixaLoaders;
  fingerprint: string;
  /** What this request's writes changed, told to the cache (and to these loaders). */
  changes: RequestCacheChanges;
  /** Process-wide record of idempotency keys (scope = fingerprint). */
  idempotency: IdempotentWrites;
  /** Messages being sent, so their webhooks do not drop the list they are written into. */
  pendingMessages: PendingMessages;
}

export class DixaDataSource {
  readonly transport: DixaTransport;
  readonly cache: DixaCache;
  readonly idempotency: IdempotentWrites;
  readonly pendingMessages = new PendingMessages();

  constructor(
    config: GatewayConfig,
    logger: Logger,
    hooks: Pick<TransportOptions, 'onCall'> = {},
    // server.ts passes the durable one (SQLite in DATA_DIR); alone, the datasource keeps keys in memory.
    idempotency?: IdempotentWrites,
  ) {
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
      ...hooks,
    });
    this.cache = DixaCache.inMemory(config.cache);
    this.idempotency = idempotency ?? new IdempotentWrites(new MemoryIdempotencyStore(config.idempotency), logger);
  }

  /** What one GraphQL request uses; `signal` aborts its pending Dixa calls. */
  forRequest(token: string, signal?: AbortSignal, priority?: CallPriority): RequestDixa {
    const credentials = { token: token.trim(), fingerprint: tokenFingerprint(token) };
    const client = new DixaClient(this.transport, credentials, signal, priority);
    const loaders = createLoaders(client, this.cache);
    return {
      client,
      loaders,
      fingerprint: credentials.fingerprint,
      changes: new RequestCacheChanges(this.cache, credentials.fingerprint, loaders),
      idempotency: this.idempotency,
      pendingMessages: this.pendingMessages,
    };
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}

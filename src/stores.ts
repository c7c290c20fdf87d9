// Where the gateway keeps its state, decided in one place. Without REDIS_URL: one process,
// state in memory and in SQLite files under DATA_DIR. With REDIS_URL: what replicas must
// share (each token's rate budget, idempotency records, the second cache level and its
// change broadcast, the event log and its live fan-out, the sync state) lives in Redis.
// Callers get interfaces; which implementation sits behind each is decided only here.
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import { DixaCache } from './datasources/dixa/dixa-cache.js';
import type { RateBudget } from './datasources/dixa/rate-budget.js';
import type { EventLog } from './events/event-log.js';
import { openSqliteEventLog } from './events/sqlite-event-log.js';
import { openRedisEventLog } from './events/redis-event-log.js';
import { tokenFingerprint } from './datasources/dixa/token-fingerprint.js';
import { openRedis, type RedisConnection } from './redis/connection.js';
import { openSecretStore, type SecretStore } from './sync/secret-store.js';
import { openSyncStore, type SyncStore } from './sync/sync-store.js';
import { openRedisSyncState } from './sync/redis-sync-state.js';
import type { IdempotencyStore } from './writes/idempotency-store.js';
import { openSqliteIdempotencyStore } from './writes/sqlite-idempotency-store.js';

export interface GatewayStores {
  /** The shared Redis, when REDIS_URL is set. */
  redis: RedisConnection | undefined;
  /** Each token's rate budget; undefined: counted in this process. */
  rateBudget: RateBudget | undefined;
  cache: DixaCache;
  idempotency: IdempotencyStore;
  eventLog: EventLog;
  /** The webhook secret adopted from Dixa's subscription. */
  secrets: SecretStore;
  /** Heartbeat and gaps of sync. */
  sync: SyncStore;
  /** Resolves when state kept elsewhere (Redis) is loaded, or after a short wait while it is away. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Stores a test (or a benchmark) puts in place of the configured ones. */
export interface StoreOverrides {
  idempotency?: IdempotencyStore;
  eventLog?: EventLog;
}

export function openGatewayStores(config: GatewayConfig, logger: Logger, overrides: StoreOverrides = {}): GatewayStores {
  const redis = config.redis ? openRedis(config.redis.url, logger) : undefined;
  const idempotency = overrides.idempotency ?? openSqliteIdempotencyStore(config.dataDir, config.idempotency);
  // The shared log is the configured token's (webhooks come from its organization); without a token there is nothing to share.
  const token = config.dixa.token;
  const eventLog =
    overrides.eventLog ??
    (redis && token
      ? openRedisEventLog({ redis, token, fingerprint: tokenFingerprint(token), retentionDays: config.events.retentionDays, logger })
      : openSqliteEventLog(config.dataDir));
  // Sync state in Redis: any replica knows the adopted secret, and the heartbeat covers them all.
  const syncState = redis && token ? openRedisSyncState({ redis, token, fingerprint: tokenFingerprint(token), logger }) : undefined;
  const sync = syncState?.sync ?? openSyncStore(config.dataDir);
  return {
    redis,
    rateBudget: undefined,
    cache: DixaCache.inMemory(config.cache),
    idempotency,
    eventLog,
    secrets: syncState?.secrets ?? openSecretStore(config.dataDir),
    sync,
    async ready() {
      await syncState?.load();
    },
    async close() {
      await idempotency.close();
      await eventLog.close();
      sync.close();
      await syncState?.close();
      await redis?.close();
    },
  };
}

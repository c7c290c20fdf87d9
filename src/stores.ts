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
import { RedisCacheLevel } from './datasources/dixa/redis-cache-level.js';
import { RedisIdempotencyStore } from './writes/redis-idempotency-store.js';
import { RedisRateBudget } from './datasources/dixa/redis-rate-budget.js';
import { TenantKeyring } from './redis/tenant-keys.js';

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
  const shared = redis && config.redis ? openRedisStores(redis, config, config.redis.replicas, logger) : undefined;
  const idempotency = overrides.idempotency ?? shared?.idempotency ?? openSqliteIdempotencyStore(config.dataDir, config.idempotency);
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
    rateBudget: shared?.rateBudget,
    cache: shared?.cache ?? DixaCache.inMemory(config.cache),
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
      await shared?.cacheLevel.close();
      await redis?.close();
    },
  };
}

/**
 * With REDIS_URL: the token's rate budget (sized as the limiter sizes its own: one of Dixa's
 * burst held back), the idempotency records, and the cache's second level under the
 * in-process first level.
 */
function openRedisStores(redis: RedisConnection, config: GatewayConfig, replicas: number, logger: Logger) {
  const { perSecond, burst } = config.dixa.rateLimit;
  const rateBudget = new RedisRateBudget(redis, { perSecond, burst: Math.max(1, burst - 1), replicas, logger: logger.child({ component: 'rate-budget' }) });
  // The tokens' keys, in memory only: admitted by each request (DixaDataSource.forRequest), they seal cache entries and idempotency records.
  const keyring = new TenantKeyring();
  const idempotency = new RedisIdempotencyStore(redis, { ...config.idempotency, keys: (scope) => keyring.get(scope), logger: logger.child({ component: 'idempotency' }) });
  const cacheLevel = new RedisCacheLevel(redis, { keyring, logger: logger.child({ component: 'cache' }) });
  // Webhooks refresh the configured token's entries: its key is known from the start.
  if (config.dixa.token) cacheLevel.admit(tokenFingerprint(config.dixa.token), config.dixa.token);
  const cache = DixaCache.inMemory(config.cache, cacheLevel);
  return { rateBudget, idempotency, cacheLevel, cache };
}

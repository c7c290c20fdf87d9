// The second cache level in Redis (see datasources/dixa/cache-second-level.ts). Each entry
// is one string, tokenKey(fingerprint, 'cache', HMAC(name key, first-level key)), holding
// the value as JSON sealed with AES-256-GCM under the token's value key (tenant-keys.ts),
// with the entry's Redis key as additional data so a value cannot be moved to another
// entry or tenant. Same TTL as the first level (PX). Tags are sets of entry names per
// token, tokenKey(fingerprint, 'cache-tag', HMAC(...)), living as long as their longest entry.
//
// Changes (a replaced or deleted entry, an invalidated tag) are published on
// CACHE_CHANGES_CHANNEL once the Redis write is done: every
// other replica drops those first-level keys and tags, and its next read finds the new value
// here. Loads from Dixa are stored without announcement (nobody can hold a newer value).
// A deleted entry is announced a moment later (ANNOUNCE_DELETE_AFTER_MS) unless the same
// key is stored first: the write path drops a record and reads it back from Dixa at once,
// and announcing only the stored new value spares the other replicas the Dixa read they
// would make in between.
// A replica whose subscription was interrupted may have missed changes: it drops its whole
// first level when the subscription is back.
//
// While Redis is away: reads miss (the first level and Dixa serve), writes are skipped, and
// the deletions and invalidations that could not be made are kept (bounded) and made, and
// announced, once Redis is back, so no replica serves what changed meanwhile from Redis.
import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CacheEntryOptions } from './cache-store.js';
import type { CacheSecondLevel, RemoteCacheChange } from './cache-second-level.js';
import type { RedisConnection } from '../../redis/connection.js';
import { CACHE_CHANGES_CHANNEL, tokenKey } from '../../redis/keys.js';
import { withDeadline } from '../../redis/deadline.js';
import { LuaScript } from '../../redis/lua-script.js';
import { open, seal } from '../../redis/sealed-box.js';
import { TenantKeyring, type TenantKeys } from '../../redis/tenant-keys.js';

/** KEYS: entry, then its tag sets. ARGV: sealed value, ttl ms. */
const SET_TAGGED = new LuaScript(`
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], KEYS[1])
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return 1
`);

/** KEYS: tag sets. Deletes every entry of these tags, and the sets. */
const INVALIDATE = new LuaScript(`
local n = 0
for i = 1, #KEYS do
  for _, entry in ipairs(redis.call('SMEMBERS', KEYS[i])) do n = n + redis.call('DEL', entry) end
  redis.call('DEL', KEYS[i])
end
return n
`);

/** What a replica announces: first-level keys and tags (no values), and who announced it. */
interface ChangeMessage {
  origin: string;
  keys: string[];
  tags: string[];
}

/** A deletion or invalidation Redis did not get while it was away. */
interface Owed {
  scope: string;
  keys: string[];
  tags: string[];
}

/** Changes kept while Redis is away; older ones beyond this are given up (their entries expire by TTL). */
const MAX_OWED = 10_000;
/** How long a replica's claim to read an entry from Dixa holds: longer than a read may queue for a rate slot under load. */
const LOAD_CLAIM_MS = 15_000;
/** A second-level read slower than this counts as a miss (Dixa answers instead). */
const READ_DEADLINE_MS = 500;
/** How long a deletion waits for the value that replaces it before it is announced alone. */
export const ANNOUNCE_DELETE_AFTER_MS = 250;

export interface RedisCacheLevelOptions {
  logger?: Logger;
  /** Where the tokens' keys are kept (shared with the idempotency store). */
  keyring?: TenantKeyring;
}

export class RedisCacheLevel implements CacheSecondLevel {
  private readonly origin = randomUUID();
  private readonly keyring: TenantKeyring;
  private readonly listeners: ((change: RemoteCacheChange) => void)[] = [];
  private owed: Owed[] = [];
  /** Deleted first-level keys not announced yet, waiting for their new value. */
  private readonly unannounced = new Map<string, NodeJS.Timeout>();
  private subscribedOnce = false;
  private down = false;
  private closed = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: RedisCacheLevelOptions = {},
  ) {
    this.keyring = options.keyring ?? new TenantKeyring();
    redis.client.on('ready', () => void this.payOwed());
    void this.subscribe();
  }

  admit(scope: string, token: string): void {
    this.keyring.admit(scope, token);
  }

  async get(scope: string, key: string): Promise<{ value: unknown; ttlMs: number } | undefined> {
    const keys = this.keyring.get(scope);
    if (!keys || !this.redis.isReady()) return undefined;
    const name = this.entryName(scope, keys, key);
    try {
      const [sealed, ttlMs] = (await withDeadline(this.redis.client.multi().get(name).pTTL(name).exec(), READ_DEADLINE_MS)) as unknown as [string | null, number];
      if (sealed === null || ttlMs <= 0) return undefined;
      const text = open(keys.value, name, sealed);
      return text === undefined ? undefined : { value: (JSON.parse(text) as { v: unknown }).v, ttlMs };
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  async claimLoad(scope: string, key: string): Promise<boolean> {
    const keys = this.keyring.get(scope);
    if (!keys || !this.redis.isReady()) return true;
    try {
      const claimed = await withDeadline(this.redis.client.set(`${this.entryName(scope, keys, key)}:loading`, this.origin, { NX: true, PX: LOAD_CLAIM_MS }), READ_DEADLINE_MS);
      return claimed !== null;
    } catch (error) {
      this.failed(error);
      return true;
    }
  }

  releaseLoad(scope: string, key: string): void {
    const keys = this.keyring.get(scope);
    if (!keys || !this.redis.isReady()) return;
    this.redis.client.del(`${this.entryName(scope, keys, key)}:loading`).catch((error: unknown) => this.failed(error));
  }

  set(scope: string, key: string, value: unknown, { ttlMs, tags = [] }: CacheEntryOptions, announce: boolean): void {
    const keys = this.keyring.get(scope);
    const deleted = this.unannounced.get(key);
    if (deleted) {
      // The value replacing a deleted one: announced once it is stored, instead of the deletion.
      clearTimeout(deleted);
      this.unannounced.delete(key);
      announce = true;
    }
    if (ttlMs <= 0) {
      if (announce) this.publish([key], []);
      return;
    }
    if (!keys) {
      // Cannot be sealed (a token not seen by this process): other replicas must still forget it.
      if (announce) this.publish([key], []);
      return;
    }
    const name = this.entryName(scope, keys, key);
    const sealed = seal(keys.value, name, JSON.stringify({ v: value ?? null }));
    const tagNames = tags.map((tag) => this.tagName(scope, keys, tag));
    if (!this.redis.isReady()) {
      if (announce) this.owe({ scope, keys: [key], tags: [] });
      return;
    }
    SET_TAGGED.run(this.redis.client, [name, ...tagNames], [sealed, Math.ceil(ttlMs)]).then(
      // Announced once written: a replica that hears it finds the new value here.
      () => announce && this.publish([key], []),
      (error: unknown) => {
        this.failed(error);
        if (announce) this.owe({ scope, keys: [key], tags: [] });
      },
    );
  }

  delete(scope: string, key: string): void {
    const change: Owed = { scope, keys: [key], tags: [] };
    if (!this.redis.isReady()) {
      this.owe(change);
      return;
    }
    this.apply(change).catch((error: unknown) => {
      this.failed(error);
      this.owe(change);
    });
    if (this.unannounced.has(key)) return;
    const timer = setTimeout(() => {
      this.unannounced.delete(key);
      this.publish([key], []);
    }, ANNOUNCE_DELETE_AFTER_MS);
    timer.unref();
    this.unannounced.set(key, timer);
  }

  invalidate(scope: string, tags: readonly string[]): void {
    if (tags.length > 0) this.forget({ scope, keys: [], tags: [...tags] });
  }

  onRemoteChange(listener: (change: RemoteCacheChange) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.unannounced.values()) clearTimeout(timer);
    this.unannounced.clear();
  }

  /** Deletions and invalidations owed to Redis (for tests and metrics). */
  get owedChanges(): number {
    return this.owed.length;
  }

  private forget(change: Owed): void {
    if (!this.redis.isReady()) {
      this.owe(change);
      return;
    }
    this.apply(change).then(
      // Announced once deleted: a replica that hears it does not read the old value back from here.
      () => this.publish(change.keys, change.tags),
      (error: unknown) => {
        this.failed(error);
        this.owe(change);
      },
    );
  }

  private async apply({ scope, keys: firstLevelKeys, tags }: Owed): Promise<void> {
    const keys = this.keyring.get(scope);
    if (!keys) return;
    const client = this.redis.client;
    const names = firstLevelKeys.map((key) => this.entryName(scope, keys, key));
    const tagNames = tags.map((tag) => this.tagName(scope, keys, tag));
    await Promise.all([names.length > 0 ? client.del(names) : undefined, tagNames.length > 0 ? INVALIDATE.run(client, tagNames, []) : undefined]);
  }

  private publish(keys: string[], tags: string[]): void {
    if (!this.redis.isReady()) return;
    const message: ChangeMessage = { origin: this.origin, keys, tags };
    this.redis.client.publish(CACHE_CHANGES_CHANNEL, JSON.stringify(message)).catch((error: unknown) => this.failed(error));
  }

  private owe(change: Owed): void {
    this.owed.push(change);
    if (this.owed.length > MAX_OWED) this.owed.splice(0, this.owed.length - MAX_OWED);
  }

  /** Redis is back: make (and announce) the deletions it missed. */
  private async payOwed(): Promise<void> {
    if (this.down) this.options.logger?.info('Redis is back: the second cache level is in use again');
    this.down = false;
    const owed = this.owed;
    this.owed = [];
    for (const change of owed) {
      try {
        await this.apply(change);
        this.publish(change.keys, change.tags);
      } catch (error) {
        this.failed(error);
        this.owe(change);
      }
    }
  }

  private async subscribe(): Promise<void> {
    const subscriber = await this.redis.dedicated('cache changes');
    const listen = async () => {
      if (this.closed) return;
      // node-redis subscribes again by itself after a reconnect; this covers the first connect.
      if (!this.subscribedOnce) {
        this.subscribedOnce = true;
        await subscriber.subscribe(CACHE_CHANGES_CHANNEL, (message) => this.received(message)).catch(() => {
          this.subscribedOnce = false;
        });
        return;
      }
      // Back after an interruption: changes announced meanwhile were missed.
      this.tell({ all: true });
    };
    subscriber.on('ready', () => void listen());
    if (subscriber.isReady) void listen();
  }

  private received(raw: string): void {
    let message: ChangeMessage;
    try {
      message = JSON.parse(raw) as ChangeMessage;
    } catch {
      return;
    }
    if (message.origin === this.origin || !Array.isArray(message.keys) || !Array.isArray(message.tags)) return;
    this.tell({ keys: message.keys.filter((k) => typeof k === 'string'), tags: message.tags.filter((t) => typeof t === 'string') });
  }

  private tell(change: RemoteCacheChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private entryName(scope: string, keys: TenantKeys, key: string): string {
    return tokenKey(scope, 'cache', createHmac('sha256', keys.names).update(key).digest('base64url'));
  }

  private tagName(scope: string, keys: TenantKeys, tag: string): string {
    return tokenKey(scope, 'cache-tag', createHmac('sha256', keys.names).update(tag).digest('base64url'));
  }

  private failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.options.logger?.warn({ reason: error instanceof Error ? error.message : String(error) }, 'Redis is away: the cache serves from this process only');
  }
}

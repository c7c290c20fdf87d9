// Idempotency records in Redis, shared by every replica: a key used on one replica
// protects a retry on another, or after a restart. One hash per record,
// tokenKey(fingerprint, 'idem', kind, key), holding the input hash, the progress, the result
// (once there is one), when the record expires (by the store's clock, as the other stores
// do) and its lease: the replica running the write (owner) and until when (Redis's clock).
// Per token, a sorted set orders the records by expiry, which is also save order, so the
// token's oldest record makes room (maxKeysPerToken) and the sweep finds expired ones.
//
// Leases: a claim takes the lease; the owner renews it while the write runs and drops it
// when the write ends. Concurrent requests with one key on different replicas: one claims,
// the others find a live lease and get IDEMPOTENCY_CONFLICT ("in use, retry") without
// sending anything. A replica that dies mid-write stops renewing; once its lease has run
// out, a retry anywhere takes the lease over and resumes from the recorded progress. A
// save by a replica that lost its lease (it stalled longer than the lease) is refused, so
// it does not send the step another replica now owns.
//
// Progress and result can hold customer data (a reply's text): they are sealed with the
// token's key (tenant-keys.ts, seal.ts), as cache entries are; the input hash is a digest.
//
// While Redis is away every operation fails with STATE_UNAVAILABLE: the write is refused
// before anything goes to Dixa, rather than risking a duplicate without a record.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { IdempotencyKeyBusyError, StateUnavailableError } from '../errors.js';
import {
  SWEEP_EVERY_MS,
  type ClaimOutcome,
  type IdempotencyRecord,
  type IdempotencyStore,
  type IdempotencyStoreOptions,
  type RecordRef,
} from './idempotency-store.js';
import type { RedisConnection } from '../redis/connection.js';
import { tokenKey } from '../redis/keys.js';
import { withDeadline } from '../redis/deadline.js';
import { LuaScript } from '../redis/lua-script.js';
import { open, seal } from '../redis/sealed-box.js';
import type { TenantKeys } from '../redis/tenant-keys.js';

/** How long a lease holds without renewal: a dead replica's write can be resumed after this. */
export const LEASE_MS = 5_000;

/** A record operation slower than this refuses the write (STATE_UNAVAILABLE) rather than hold it. */
const COMMAND_DEADLINE_MS = 2_000;

/** Fingerprints that have records, so the sweep can visit each token's index. */
const SCOPES_KEY = 'dixa-gw:idem-scopes';

const REDIS_NOW = `
local t = redis.call('TIME')
local rnow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: record, index. ARGV: now, ttl, hash, progress, owner, lease ms, max per token,
 * index member, record key prefix. Answers {1} when claimed, else {0, hash, progress, result|false}.
 */
const CLAIM = new LuaScript(`${REDIS_NOW}
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local exp = tonumber(redis.call('HGET', KEYS[1], 'expiresAt') or '0')
if exp > now then
  local f = redis.call('HMGET', KEYS[1], 'hash', 'progress', 'result')
  return {0, f[1], f[2], f[3]}
end
redis.call('ZREM', KEYS[2], ARGV[8])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[7]) + 1
if over > 0 then
  local oldest = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #oldest, 2 do redis.call('DEL', ARGV[9] .. oldest[i]) end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'hash', ARGV[3], 'progress', ARGV[4], 'expiresAt', tostring(now + ttl), 'owner', ARGV[5], 'leaseUntil', tostring(rnow + tonumber(ARGV[6])))
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[8])
redis.call('PEXPIRE', KEYS[2], ttl)
return {1}
`);

/**
 * KEYS: record. ARGV: now, owner, lease ms. The live record as {hash, progress, result|false,
 * busy}; an unfinished record's lease passes to the caller unless another owner holds it.
 */
const GET = new LuaScript(`${REDIS_NOW}
local exp = tonumber(redis.call('HGET', KEYS[1], 'expiresAt') or '0')
if exp <= tonumber(ARGV[1]) then return false end
local f = redis.call('HMGET', KEYS[1], 'hash', 'progress', 'result', 'owner', 'leaseUntil')
local busy = 0
if not f[3] then
  if f[4] and f[4] ~= ARGV[2] and tonumber(f[5] or '0') > rnow then
    busy = 1
  else
    redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'leaseUntil', tostring(rnow + tonumber(ARGV[3])))
  end
end
return {f[1], f[2], f[3], busy}
`);

/**
 * KEYS: record, index. ARGV: now, ttl, field ('progress' | 'result'), value, owner, lease ms,
 * index member. 1 saved, 0 no live record, -1 another owner holds the lease.
 */
const SAVE = new LuaScript(`${REDIS_NOW}
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local exp = tonumber(redis.call('HGET', KEYS[1], 'expiresAt') or '0')
if exp <= now then return 0 end
local f = redis.call('HMGET', KEYS[1], 'owner', 'leaseUntil')
if f[1] and f[1] ~= ARGV[5] and tonumber(f[2] or '0') > rnow then return -1 end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4], 'expiresAt', tostring(now + ttl))
if ARGV[3] == 'result' then
  redis.call('HDEL', KEYS[1], 'owner', 'leaseUntil')
else
  redis.call('HSET', KEYS[1], 'owner', ARGV[5], 'leaseUntil', tostring(rnow + tonumber(ARGV[6])))
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[7])
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
`);

/** KEYS: record. ARGV: owner, lease ms ('0': let go). Renews (or drops) the caller's own lease. */
const LEASE = new LuaScript(`${REDIS_NOW}
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] or redis.call('HEXISTS', KEYS[1], 'result') == 1 then return 0 end
if ARGV[2] == '0' then
  redis.call('HDEL', KEYS[1], 'owner', 'leaseUntil')
else
  redis.call('HSET', KEYS[1], 'leaseUntil', tostring(rnow + tonumber(ARGV[2])))
end
return 1
`);

/** KEYS: record, index. ARGV: owner, index member. Deletes the record unless another owner holds a live lease on it. */
const RELEASE = new LuaScript(`${REDIS_NOW}
local f = redis.call('HMGET', KEYS[1], 'owner', 'leaseUntil')
if f[1] and f[1] ~= ARGV[1] and tonumber(f[2] or '0') > rnow then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
`);

/** KEYS: index. ARGV: now, record key prefix. Deletes expired records; answers {deleted, left}. */
const SWEEP = new LuaScript(`
local now = tonumber(ARGV[1])
local deleted = 0
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  local key = ARGV[2] .. member
  local exp = tonumber(redis.call('HGET', key, 'expiresAt') or '0')
  if exp > 0 and exp <= now then
    redis.call('DEL', key)
    deleted = deleted + 1
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return {deleted, redis.call('ZCARD', KEYS[1])}
`);

export interface RedisIdempotencyStoreOptions extends IdempotencyStoreOptions {
  /** The keys of the token whose fingerprint is `scope` (known once a request carried it). */
  keys: (scope: string) => TenantKeys | undefined;
  /** Lease length; renewed every third of it while the write runs. */
  leaseMs?: number;
  logger?: Logger;
}

const member = (ref: RecordRef): string => `${ref.kind}:${ref.key}`;
const recordKey = (ref: RecordRef): string => tokenKey(ref.scope, 'idem', ref.kind, ref.key);
const recordPrefix = (scope: string): string => `${tokenKey(scope, 'idem')}:`;
const indexKey = (scope: string): string => tokenKey(scope, 'idem-index');

export class RedisIdempotencyStore implements IdempotencyStore {
  /** This store instance (one per process) as a lease owner. */
  private readonly owner = randomUUID();
  private readonly now: () => number;
  private readonly leaseMs: number;
  /** Leases this process holds, renewed until the write ends. */
  private readonly held = new Map<string, RecordRef>();
  private readonly renewTimer: NodeJS.Timeout;
  private readonly sweepTimer: NodeJS.Timeout;
  private isOpen = true;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: RedisIdempotencyStoreOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.leaseMs = options.leaseMs ?? LEASE_MS;
    this.renewTimer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
    this.sweepTimer = setInterval(() => void this.sweep().catch(() => undefined), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  async get(ref: RecordRef): Promise<IdempotencyRecord | undefined> {
    const reply = (await this.command('read the idempotency record', () =>
      GET.run(this.redis.client, [recordKey(ref)], [this.now(), this.owner, this.leaseMs]),
    )) as [string, string, string | null, number] | null;
    if (!reply) return undefined;
    const [hash, progress, result, busy] = reply;
    if (result === null && !busy) this.hold(ref);
    return {
      hash,
      progress: this.open(ref, 'progress', progress),
      ...(result === null ? {} : { result: { value: this.open(ref, 'result', result) } }),
      ...(busy ? { busy: true } : {}),
    };
  }

  async claim(ref: RecordRef, hash: string, progress: unknown): Promise<ClaimOutcome> {
    const reply = (await this.command('claim the idempotency key', () =>
      CLAIM.run(
        this.redis.client,
        [recordKey(ref), indexKey(ref.scope)],
        [this.now(), this.options.ttlMs, hash, this.seal(ref, 'progress', progress), this.owner, this.leaseMs, this.options.maxKeysPerToken, member(ref), recordPrefix(ref.scope)],
      ),
    )) as [number, string?, string?, (string | null)?];
    if (reply[0] === 1) {
      this.hold(ref);
      // For the sweep only: a failure here loses nothing (Redis expires the keys anyway).
      await this.redis.client.sAdd(SCOPES_KEY, ref.scope).catch(() => undefined);
      return { claimed: true };
    }
    const [, storedHash, storedProgress, result] = reply;
    return {
      claimed: false,
      record: {
        hash: storedHash!,
        progress: this.open(ref, 'progress', storedProgress!),
        ...(result === null || result === undefined ? {} : { result: { value: this.open(ref, 'result', result) } }),
      },
    };
  }

  async saveProgress(ref: RecordRef, progress: unknown): Promise<void> {
    await this.save(ref, 'progress', progress);
  }

  async saveResult(ref: RecordRef, result: unknown): Promise<void> {
    await this.save(ref, 'result', result);
    this.held.delete(recordKey(ref));
  }

  async release(ref: RecordRef): Promise<void> {
    this.held.delete(recordKey(ref));
    // A replica that lost its lease (another resumed the write) must not delete the other's record.
    await this.command('forget the idempotency record', () => RELEASE.run(this.redis.client, [recordKey(ref), indexKey(ref.scope)], [this.owner, member(ref)]));
  }

  async unlock(ref: RecordRef): Promise<void> {
    this.held.delete(recordKey(ref));
    await this.command('let go of the idempotency key', () => LEASE.run(this.redis.client, [recordKey(ref)], [this.owner, '0']));
  }

  async sweep(): Promise<number> {
    if (!this.isOpen) return 0;
    const now = this.now();
    let deleted = 0;
    const scopes = await this.command('sweep idempotency records', () => this.redis.client.sMembers(SCOPES_KEY));
    for (const scope of scopes) {
      const [n, left] = (await this.command('sweep idempotency records', () =>
        SWEEP.run(this.redis.client, [indexKey(scope)], [now, recordPrefix(scope)]),
      )) as [number, number];
      deleted += n;
      if (left === 0) await this.redis.client.sRem(SCOPES_KEY, scope).catch(() => undefined);
    }
    return deleted;
  }

  /** Stops renewing: leases still held run out, as a crashed process's would (the connection is the stores' to close). */
  async close(): Promise<void> {
    this.isOpen = false;
    clearInterval(this.renewTimer);
    clearInterval(this.sweepTimer);
    this.held.clear();
  }

  private hold(ref: RecordRef): void {
    if (this.isOpen) this.held.set(recordKey(ref), ref);
  }

  private async save(ref: RecordRef, field: 'progress' | 'result', value: unknown): Promise<void> {
    const saved = await this.command(`record the write's ${field}`, () =>
      SAVE.run(
        this.redis.client,
        [recordKey(ref), indexKey(ref.scope)],
        [this.now(), this.options.ttlMs, field, this.seal(ref, field, value), this.owner, this.leaseMs, member(ref)],
      ),
    );
    if (Number(saved) === -1) {
      this.held.delete(recordKey(ref));
      throw new IdempotencyKeyBusyError(ref.key);
    }
  }

  private keysOf(ref: RecordRef): TenantKeys {
    const keys = this.options.keys(ref.scope);
    // Records are only written within a request that carried the token; without its key nothing can be sealed.
    if (!keys) throw new StateUnavailableError('the idempotency record (its token key is not known to this replica)');
    return keys;
  }

  private seal(ref: RecordRef, field: 'progress' | 'result', value: unknown): string {
    return seal(this.keysOf(ref).value, `${recordKey(ref)}#${field}`, JSON.stringify(value ?? null));
  }

  private open(ref: RecordRef, field: 'progress' | 'result', sealed: string): unknown {
    const text = open(this.keysOf(ref).value, `${recordKey(ref)}#${field}`, sealed);
    if (text === undefined) throw new StateUnavailableError('the idempotency record (it does not open with this token\'s key)');
    return JSON.parse(text) as unknown;
  }

  private async renew(): Promise<void> {
    if (!this.redis.isReady()) return;
    for (const [key, ref] of [...this.held]) {
      try {
        const kept = await LEASE.run(this.redis.client, [key], [this.owner, this.leaseMs]);
        if (Number(kept) !== 1) this.held.delete(key);
      } catch (error) {
        this.options.logger?.warn({ err: error, kind: ref.kind }, 'idempotency lease could not be renewed');
        return;
      }
    }
  }

  /** Runs a Redis command; Redis being away becomes STATE_UNAVAILABLE (nothing was sent to Dixa). */
  private async command<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (!this.redis.isReady()) throw new StateUnavailableError(what);
    try {
      return await withDeadline(run(), COMMAND_DEADLINE_MS);
    } catch (error) {
      if (error instanceof IdempotencyKeyBusyError) throw error;
      this.options.logger?.warn({ reason: error instanceof Error ? error.message : String(error) }, 'Redis command failed');
      throw new StateUnavailableError(what);
    }
  }
}

// Sync state shared by every replica (REDIS_URL): the webhook secret adopted from Dixa's
// subscription, the heartbeat and the gaps. Any replica then verifies deliveries signed
// with a secret another replica adopted, and the heartbeat says when the last replica was
// alive, so a restart repairs only what none of them received.
// SecretStore and SyncStore are synchronous (the receiver reads the secret per delivery);
// this keeps a mirror in memory, loaded at start and refreshed every REFRESH_MS, and writes
// through to Redis in the background; a write Redis missed is sent again at the next tick.
// The secret is sealed (AES-256-GCM, key derived from the configured token with HKDF): a
// Redis dump never shows it. Keys: dixa-gw:{<fingerprint>}:sync:{secret,heartbeat,gaps}.
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { RedisConnection } from '../redis/connection.js';
import { tokenKey } from '../redis/keys.js';
import { LuaScript } from '../redis/lua-script.js';
import { SealedBox } from '../redis/sealed-box.js';
import type { AdoptedSecret, SecretStore } from './secret-store.js';
import type { GapReason, SyncGapRecord, SyncStore } from './sync-store.js';

/** How often the mirror is refreshed from Redis (and missed writes retried). */
export const REFRESH_MS = 2_000;
/** Gaps kept in Redis; older ones are dropped (syncStatus shows the newest 20). */
const MAX_GAPS = 200;
const HEX = /^(?:[0-9a-f]{2})+$/i;

// The heartbeat only moves forward: replicas beat at different times.
const BEAT = new LuaScript(`
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`);

export interface RedisSyncState {
  secrets: SecretStore;
  sync: SyncStore;
  /** Loads the mirror; resolves (with an empty mirror) after `waitMs` when Redis is away. */
  load(waitMs?: number): Promise<void>;
  /** Stops refreshing and sends what Redis has not got yet (best effort). */
  close(): Promise<void>;
}

export interface RedisSyncStateOptions {
  redis: RedisConnection;
  token: string;
  fingerprint: string;
  logger: Logger;
  refreshMs?: number;
}

export function openRedisSyncState(options: RedisSyncStateOptions): RedisSyncState {
  const { redis } = options;
  const box = new SealedBox(options.token, 'webhook-secret');
  const secretKey = tokenKey(options.fingerprint, 'sync', 'secret');
  const beatKey = tokenKey(options.fingerprint, 'sync', 'heartbeat');
  const gapsKey = tokenKey(options.fingerprint, 'sync', 'gaps');
  const logger = options.logger.child({ component: 'sync-state' });

  let secret: AdoptedSecret | undefined;
  let secretDirty = false;
  let beat: number | undefined;
  let beatDirty = false;
  const gaps = new Map<number, SyncGapRecord>();
  const dirtyGaps = new Set<number>();
  let warned = false;

  // Sends what Redis has not got yet; false when Redis could not take it.
  async function flush(): Promise<boolean> {
    if (!redis.isReady()) return false;
    try {
      if (secretDirty && secret) {
        const sent = secret;
        await redis.client.set(secretKey, box.seal(JSON.stringify(sent)));
        if (secret === sent) secretDirty = false;
      }
      if (beatDirty && beat !== undefined) {
        beatDirty = false;
        await BEAT.run(redis.client, [beatKey], [String(beat)]);
      }
      for (const id of [...dirtyGaps]) {
        const gap = gaps.get(id);
        if (gap) await redis.client.hSet(gapsKey, String(id), JSON.stringify(gap));
        // Changed again while it was sent: the next flush sends the newer record.
        if (gaps.get(id) === gap) dirtyGaps.delete(id);
      }
      warned = false;
      return true;
    } catch (error) {
      beatDirty = beat !== undefined;
      if (!warned) logger.warn({ reason: (error as Error).message }, 'sync state not saved in Redis yet; retrying');
      warned = true;
      return false;
    }
  }

  async function refresh(): Promise<boolean> {
    if (!(await flush())) return false;
    try {
      const [sealed, beatText, stored] = await Promise.all([redis.client.get(secretKey), redis.client.get(beatKey), redis.client.hGetAll(gapsKey)]);
      const opened = typeof sealed === 'string' ? box.open(sealed) : undefined;
      if (opened && !secretDirty) {
        const parsed = JSON.parse(opened) as AdoptedSecret;
        if (HEX.test(parsed.secretHex)) secret = parsed;
      }
      if (beatText && !beatDirty) beat = Math.max(beat ?? 0, Number(beatText));
      const ids = Object.keys(stored).map(Number).sort((a, b) => b - a);
      for (const id of ids) {
        if (!dirtyGaps.has(id)) gaps.set(id, JSON.parse(stored[String(id)] as string) as SyncGapRecord);
      }
      if (ids.length > MAX_GAPS) await redis.client.hDel(gapsKey, ids.slice(MAX_GAPS).map(String));
      return true;
    } catch (error) {
      logger.debug({ reason: (error as Error).message }, 'sync state refresh from Redis failed');
      return false;
    }
  }

  let timer: NodeJS.Timeout | undefined;
  const startRefreshing = () => {
    timer ??= setInterval(() => void refresh(), options.refreshMs ?? REFRESH_MS);
    timer.unref();
  };

  const write = () => {
    void flush();
  };

  // Unique across replicas without asking Redis (ids stay below 2^53): time, then a random tail.
  let lastId = 0;
  const newGapId = () => {
    lastId = Math.max(lastId + 1, Date.now() * 1000 + randomInt(1000));
    return lastId;
  };

  const secrets: SecretStore = {
    get: () => secret,
    set(next) {
      if (!HEX.test(next.secretHex)) throw new Error('The subscription secretKey is not hex.');
      if (secret && secret.subscriptionId === next.subscriptionId && secret.secretHex === next.secretHex && secret.url === next.url) return;
      secret = { ...next };
      secretDirty = true;
      write();
    },
  };

  const newestFirst = () => [...gaps.values()].sort((a, b) => Date.parse(b.to) - Date.parse(a.to) || b.id - a.id);

  const sync: SyncStore = {
    lastHeartbeat: () => beat,
    heartbeat(atMs) {
      beat = Math.max(beat ?? 0, atMs);
      beatDirty = true;
      write();
    },
    openGap(fromMs, toMs, reason: GapReason) {
      const from = new Date(fromMs).toISOString();
      const to = new Date(toMs).toISOString();
      const same = newestFirst().find((g) => g.from === from && g.to === to);
      if (same) return { ...same };
      const gap: SyncGapRecord = { id: newGapId(), from, to, reason, repairedAt: null, recoveredEvents: 0, lastError: null };
      gaps.set(gap.id, gap);
      dirtyGaps.add(gap.id);
      write();
      return { ...gap };
    },
    finishGap(id, repairedAtMs, recovered) {
      const gap = gaps.get(id);
      if (!gap) throw new Error(`sync store: no gap ${id}`);
      const done = { ...gap, repairedAt: new Date(repairedAtMs).toISOString(), recoveredEvents: gap.recoveredEvents + recovered, lastError: null };
      gaps.set(id, done);
      dirtyGaps.add(id);
      write();
      return { ...done };
    },
    failGap(id, error) {
      const gap = gaps.get(id);
      if (!gap) return;
      gaps.set(id, { ...gap, lastError: error.slice(0, 500) });
      dirtyGaps.add(id);
      write();
    },
    gaps: (limit = 20) => newestFirst().slice(0, limit).map((g) => ({ ...g })),
    covers: (atMs) => [...gaps.values()].some((g) => Date.parse(g.from) <= atMs && Date.parse(g.to) >= atMs),
    // The connection is closed by its owner (src/stores.ts) after `close` below.
    close: () => undefined,
  };

  return {
    secrets,
    sync,
    async load(waitMs = 3_000) {
      const deadline = Date.now() + waitMs;
      while (!(await refresh()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      startRefreshing();
    },
    async close() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
  };
}

// Sync state in Redis (src/sync/redis-sync-state.ts) against a private redis-server: what one
// process adopts or records, another reads; the secret is sealed; while Redis is away the
// process keeps its own view and saves it once Redis is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFingerprint } from '../src/datasources/dixa/token-fingerprint.js';
import { createLogger } from '../src/logger.js';
import { openRedis, type RedisConnection } from '../src/redis/connection.js';
import { openRedisSyncState, type RedisSyncState } from '../src/sync/redis-sync-state.js';
import { hasRedis, startRedis, type TestRedis } from './support/redis.js';

const TOKEN = 'sync-state-test-token';
const SECRET = 'c3'.repeat(32);
const logger = createLogger('silent');

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(check()).toBe(true);
}

describe.skipIf(!hasRedis)('sync state in Redis', () => {
  let redis: TestRedis;
  const connections: RedisConnection[] = [];
  const states: RedisSyncState[] = [];

  async function open(token = TOKEN): Promise<RedisSyncState> {
    const connection = openRedis(redis.url, logger);
    connections.push(connection);
    const state = openRedisSyncState({ redis: connection, token, fingerprint: tokenFingerprint(token), logger, refreshMs: 50 });
    states.push(state);
    await state.load();
    return state;
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const s of states) await s.close();
    for (const c of connections) await c.close();
    await redis?.close();
  });

  it('shares the adopted secret (sealed), the heartbeat (never backwards) and the gaps', async () => {
    const [a, b] = [await open(), await open()];
    a.secrets.set({ subscriptionId: 'sub-1', url: 'https://gw.example.com/webhooks/dixa', secretHex: SECRET });
    a.sync.heartbeat(2_000_000);
    b.sync.heartbeat(1_000_000);
    const gap = a.sync.openGap(1_000, 2_000, 'restart');
    a.sync.finishGap(gap.id, 3_000, 4);
    await until(() => b.secrets.get()?.secretHex === SECRET && b.sync.gaps().some((g) => g.recoveredEvents === 4));
    expect(b.sync.gaps()[0]).toMatchObject({ id: gap.id, reason: 'restart', recoveredEvents: 4 });
    expect(b.sync.covers(1_500)).toBe(true);
    const late = await open();
    expect(late.sync.lastHeartbeat()).toBe(2_000_000);

    const dump = (await redis.dump()).map((d) => `${d.key} ${d.value}`).join('\n');
    expect(dump).not.toContain(SECRET);
    expect(dump).not.toContain(TOKEN);
    // Another token's state is apart, and cannot open this one's secret.
    expect((await open('another-token')).secrets.get()).toBeUndefined();
  });

  it('keeps its own view while Redis is away and saves it when Redis is back', async () => {
    const a = await open();
    await redis.stop();
    try {
      a.secrets.set({ subscriptionId: 'sub-2', url: 'https://gw.example.com/webhooks/dixa', secretHex: 'd4'.repeat(32) });
      expect(a.secrets.get()?.subscriptionId).toBe('sub-2');
    } finally {
      await redis.start();
    }
    const b = await open();
    await until(() => b.secrets.get()?.subscriptionId === 'sub-2');
  });
});

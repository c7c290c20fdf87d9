// One Dixa rate budget per token across replicas (issue 12 item 2): three gateways share
// one fake Dixa with the real limit (10/s, burst 4) and one Redis. Counted from the fake's
// log: 429s, and the most calls that arrived within any one second.
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedWorld, type RecordedRequest } from '../src/demo/fake-dixa/index.js';
import { createLogger } from '../src/logger.js';
import { openRedis, type RedisConnection } from '../src/redis/connection.js';
import { RedisRateBudget, fallbackShare } from '../src/datasources/dixa/redis-rate-budget.js';
import { TOKEN } from './support/harness.js';
import { hasRedis, startRedis, type TestRedis } from './support/redis.js';
import { startReplicas, type Replicas } from './support/replicas.js';

const CONVERSATION = /* GraphQL */ `query One($id: ID!) { conversation(id: $id) { id state } }`;

/** The most requests whose arrival times fall within any window of `windowMs`. */
function mostWithin(requests: RecordedRequest[], windowMs: number): number {
  const at = requests.map((r) => r.at).sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < at.length; last++) {
    while (at[last]! - at[first]! >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

describe.skipIf(!hasRedis)('three replicas, one token, one Redis: one rate budget', () => {
  let r: Replicas;

  beforeAll(async () => {
    r = await startReplicas(3, {
      env: { DIXA_RATE_LIMIT: '10/4', DIXA_RATE_LIMIT_MAX_WAIT_MS: '30000', GRAPHQL_DEADLINE_MS: '60000' },
      fake: { rateLimit: { perSecond: 10, burst: 4 }, tenants: [{ token: TOKEN, world: seedWorld({ conversations: 120 }) }] },
    });
  });
  afterAll(() => r?.close());

  it('90 concurrent cold distinct reads, round-robin: 0 x 429 and never more than 14 calls in any second', async () => {
    const ids = [...r.fake.world(TOKEN).conversations.keys()].slice(0, 90);
    expect(ids).toHaveLength(90);
    r.resetCalls();
    const answers = await Promise.all(ids.map((id, i) => r.gql(i % 3, CONVERSATION, { id: String(id) })));
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    expect(answers.map((a) => a.data!.conversation.id)).toEqual(ids.map(String));

    // Every call counts against the budget (a replica's own background work included); 90 are the reads.
    const calls = r.dixaCalls();
    expect(calls.filter((c) => c.method === 'GET' && /^\/v1\/conversations\/\d+$/.test(c.path) && c.status === 200)).toHaveLength(90);
    expect(calls.filter((c) => c.status === 429).map((c) => `${c.method} ${c.path}`)).toEqual([]);
    expect(r.fake.stats.tooManyRequests).toBe(0);
    expect(mostWithin(calls, 1000)).toBeLessThanOrEqual(14);
  }, 60_000);

  it('Redis away: each replica counts its share locally, together still 0 x 429 and at most 14 in any second; shared again once it is back', async () => {
    const ids = [...r.fake.world(TOKEN).conversations.keys()].slice(90, 120);
    expect(ids).toHaveLength(30);
    await r.redis.stop();
    try {
      r.resetCalls();
      const answers = await Promise.all(ids.map((id, i) => r.gql(i % 3, CONVERSATION, { id: String(id) })));
      for (const answer of answers) expect(answer.errors).toBeUndefined();
      const calls = r.dixaCalls();
      expect(calls.filter((c) => c.method === 'GET' && /^\/v1\/conversations\/\d+$/.test(c.path) && c.status === 200)).toHaveLength(30);
      expect(calls.filter((c) => c.status === 429).map((c) => `${c.method} ${c.path}`)).toEqual([]);
      expect(mostWithin(calls, 1000)).toBeLessThanOrEqual(14);
      for (const replica of r.replicas) expect((replica.gateway.stores.rateBudget as RedisRateBudget).usingFallback).toBe(true);
    } finally {
      await r.redis.start();
    }
    await vi.waitFor(() => expect(r.replicas.every((x) => x.gateway.stores.redis!.isReady())).toBe(true), { timeout: 15_000, interval: 50 });
    const again = await r.gql(0, CONVERSATION, { id: String([...r.fake.world(TOKEN).conversations.keys()][0]) });
    expect(again.errors).toBeUndefined();
  }, 60_000);
});

describe.skipIf(!hasRedis)('RedisRateBudget: the GCRA in one Lua script, on Redis time', () => {
  let server: TestRedis;
  let redis: RedisConnection;
  const logger = createLogger('silent');

  beforeAll(async () => {
    server = await startRedis();
    redis = openRedis(server.url, logger);
    await vi.waitFor(() => expect(redis.isReady()).toBe(true), { timeout: 5_000, interval: 10 });
  });
  afterAll(async () => {
    await redis?.close();
    await server?.close();
  });

  it('two replicas share one burst and one rate: 3 slots back to back (Dixa 10/s burst 4, one held back), then one per 100 ms', async () => {
    const a = new RedisRateBudget(redis, { perSecond: 10, burst: 3, replicas: 2 });
    const b = new RedisRateBudget(redis, { perSecond: 10, burst: 3, replicas: 2 });
    const waits = [await a.tryTake('fp-1'), await b.tryTake('fp-1'), await a.tryTake('fp-1'), await b.tryTake('fp-1')];
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThan(0);
    expect(waits[3]).toBeLessThanOrEqual(100);
    // Another token has its own budget.
    expect(await b.tryTake('fp-2')).toBe(0);
  });

  it("a 429's pause taken on one replica holds on the other", async () => {
    const a = new RedisRateBudget(redis, { perSecond: 10, burst: 3, replicas: 2 });
    const b = new RedisRateBudget(redis, { perSecond: 10, burst: 3, replicas: 2 });
    await a.pauseUntil('fp-pause', Date.now() + 5_000);
    expect(await b.tryTake('fp-pause')).toBeGreaterThan(4_000);
  });

  it('a stalled Redis (CLIENT PAUSE) does not hold calls: after the deadline the slot is decided locally', async () => {
    const budget = new RedisRateBudget(redis, { perSecond: 10, burst: 3, replicas: 3 });
    const admin = createClient({ url: server.url });
    await admin.connect();
    try {
      await admin.sendCommand(['CLIENT', 'PAUSE', '1500', 'ALL']);
      const wait = await budget.tryTake('fp-stalled');
      expect(budget.usingFallback).toBe(true);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(300);
    } finally {
      await admin.sendCommand(['CLIENT', 'UNPAUSE']).catch(() => undefined);
      await admin.quit();
    }
  });

  it('while Redis is away: the local share (rate / replicas, burst / replicas), starting without a burst; Redis again once it is back', async () => {
    expect(fallbackShare(10, 3, 3)).toEqual({ perSecond: 10 / 3, burst: 1 });
    expect(fallbackShare(10, 3, 1)).toEqual({ perSecond: 10, burst: 3 });
    const clock = { t: 1_000_000, now: () => clock.t };
    const budget = new RedisRateBudget(redis, { perSecond: 10, burst: 3, replicas: 3, clock });
    await server.stop();
    try {
      // The shared budget may have just emptied Dixa's bucket: the first local slot after one local interval (300 ms).
      expect(await budget.tryTake('fp-away')).toBe(300);
      expect(budget.usingFallback).toBe(true);
      clock.t += 300;
      expect(await budget.tryTake('fp-away')).toBe(0);
      expect(await budget.tryTake('fp-away')).toBe(300);
      clock.t += 300;
      expect(await budget.tryTake('fp-away')).toBe(0);
    } finally {
      await server.start();
    }
    await vi.waitFor(() => expect(redis.isReady()).toBe(true), { timeout: 15_000, interval: 20 });
    // Back on Redis without a burst for the token counted locally: one slot now, the next an interval later.
    expect(await budget.tryTake('fp-away')).toBe(0);
    expect(budget.usingFallback).toBe(false);
    expect(await budget.tryTake('fp-away')).toBeGreaterThan(0);
  });
});

// Issue 12 (sync state with REDIS_URL): the webhook secret one replica adopted
// (configureWebhooks) verifies deliveries on every replica, it is sealed in Redis, and the
// heartbeat and gaps are shared, so a restarted replica repairs from the last time any
// replica was alive and every replica's syncStatus shows that repair.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDixaWebhook, webhookPayload } from '../src/demo/fake-dixa/index.js';
import { TOKEN } from './support/harness.js';
import { hasRedis } from './support/redis.js';
import { startReplicas, type Replicas } from './support/replicas.js';
import { CONFIGURE, dixa, STATUS } from './support/sync.js';

const PUBLIC_URL = 'https://gateway.example.com';

describe.skipIf(!hasRedis)('sync state shared by replicas (REDIS_URL)', () => {
  let r: Replicas;
  let secretHex: string;
  const startedAt = Date.now();

  beforeAll(async () => {
    r = await startReplicas(3, { env: { PUBLIC_URL, SYNC_STATUS_CACHE_SECONDS: '0' } });
  });
  afterAll(async () => {
    await r?.close();
  });

  const deliver = async (i: number) => {
    const [conversationId] = r.fake.world(TOKEN).conversations.keys();
    const body = JSON.stringify(webhookPayload(r.fake.world(TOKEN), { kind: 'ConversationOpen', token: TOKEN, conversationId: conversationId! }));
    const res = await fetch(`${r.replicas[i]!.url}/webhooks/dixa`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dixa-signature': signDixaWebhook(body, secretHex), 'x-dixa-subscription-id': 'sub-1' },
      body,
    });
    return res.status;
  };

  it('verifies deliveries on replica 3 with the secret replica 1 adopted, and keeps that secret sealed in Redis', async () => {
    const configured = await r.gql(0, CONFIGURE, {});
    expect(configured.errors).toBeUndefined();
    expect(configured.data!.configureWebhooks.subscription.url).toBe(`${PUBLIC_URL}/webhooks/dixa`);
    const listed = await dixa(r.fake, 'GET', '/webhooks');
    secretHex = listed.json.data[0].secretKey;
    expect(secretHex).toMatch(/^[0-9a-f]{64}$/);

    // Replica 3 learns the secret from Redis at its next refresh (every 2 s): bounded poll.
    let status = 0;
    for (let attempt = 0; attempt < 60 && status !== 200; attempt++) {
      status = await deliver(2);
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
    expect(await deliver(1)).toBe(200);

    const dump = (await r.redis.dump()).map((d) => `${d.key} ${d.value}`).join('\n');
    expect(dump).toContain(':sync:secret');
    expect(dump).not.toContain(secretHex);
    expect(dump).not.toContain(TOKEN);
  });

  it('repairs a restarted replica from the last heartbeat of any replica, and every replica shows the gap', async () => {
    await r.restart(2);
    await r.replicas[2]!.gateway.sync.settled();
    const restartGap = r.replicas[2]!.gateway.stores.sync.gaps().find((gap) => gap.reason === 'restart');
    expect(restartGap).toBeDefined();
    // The heartbeat the others wrote while replica 3 restarted: the window is seconds, not the test's age.
    expect(Date.parse(restartGap!.from)).toBeGreaterThanOrEqual(startedAt - 31_000);
    expect(restartGap!.repairedAt).not.toBeNull();

    let seen = false;
    for (let attempt = 0; attempt < 60 && !seen; attempt++) {
      const status = await r.gql(0, STATUS);
      expect(status.errors).toBeUndefined();
      seen = status.data!.syncStatus.gaps.some((gap: any) => gap.from === restartGap!.from && gap.to === restartGap!.to && gap.repairedAt !== null);
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen).toBe(true);
  });
});

// One Dixa rate budget per token across replicas (issue 12 item 2): three gateways share
// one fake Dixa with the real limit (10/s, burst 4) and one Redis. Counted from the fake's
// log: 429s, and the most calls that arrived within any one second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWorld, type RecordedRequest } from '../src/demo/fake-dixa/index.js';
import { TOKEN } from './support/harness.js';
import { hasRedis } from './support/redis.js';
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

    const calls = r.dixaCalls();
    expect(calls).toHaveLength(90);
    expect(calls.filter((c) => c.status === 429)).toHaveLength(0);
    expect(r.fake.stats.tooManyRequests).toBe(0);
    expect(mostWithin(calls, 1000)).toBeLessThanOrEqual(14);
  }, 60_000);
});

// A reply POST answered 429 (issue 11 item 10): Dixa stored nothing, so the gateway sends
// it again after Retry-After, within the request's deadline. Counted from the fake's log.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findConversation, seedWorld, type FakeWorld, type RecordedRequest } from '../src/demo/fake-dixa/index.js';
import { TOKEN, route, startHarness, type Harness } from './support/harness.js';

const world: FakeWorld = seedWorld();
const [AGENT] = [...world.agents.keys()] as [string];
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    fake: { tenants: [{ token: TOKEN, world }] },
    env: { DIXA_ACCESS: 'read-write', DIXA_DEFAULT_AGENT_ID: AGENT, DIXA_RATE_LIMIT_MAX_WAIT_MS: '5000' },
  });
});
afterAll(() => h.close());
beforeEach(() => {
  h.fake.faults.clear();
  h.resetCalls();
});

const REPLY = /* GraphQL */ `
  mutation Reply($input: ReplyToConversationInput!) {
    replyToConversation(input: $input) { message { id text externalId } }
  }`;

const messagePosts = (id: number): RecordedRequest[] => h.dixaCalls((r) => r.method === 'POST' && route(r) === `/conversations/${id}/messages`);

describe('a reply answered 429', () => {
  it('is sent again after Retry-After: two POSTs, the second succeeds, one message in Dixa', async () => {
    const c = findConversation(world, (x) => x.channel === 'WidgetChat');
    const key = `rate-limited-${Date.now()}`;
    h.fake.faults.add({ method: 'POST', path: `/conversations/${c.id}/messages`, status: 429, headers: { 'retry-after': '1' }, body: { message: 'Too many requests' } });
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'After the pause', idempotencyKey: key } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.replyToConversation.message).toMatchObject({ text: 'After the pause', externalId: key });
    expect(messagePosts(c.id).map((r) => r.status)).toEqual([429, 200]);
    expect((world.messages.get(c.id) ?? []).filter((m) => m.externalId === key)).toHaveLength(1);
  });

  it('a Retry-After longer than the gateway may wait: RATE_LIMITED with the wait, and no second POST', async () => {
    const c = findConversation(world, (x) => x.channel === 'WidgetChat');
    h.fake.faults.add({ method: 'POST', path: `/conversations/${c.id}/messages`, status: 429, headers: { 'retry-after': '60' }, body: { message: 'Too many requests' } });
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'Not now', idempotencyKey: `rate-limited-long-${Date.now()}` } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(res.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(messagePosts(c.id)).toHaveLength(1);
  });
});

// replyToConversation against the fake Dixa over real HTTP: the Outbound message Dixa
// receives, exactly-once delivery under repeats, concurrency and ambiguous failures,
// channel and input checks, and the cache refresh that makes the reply readable at once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RETURNS_EMAIL, findConversation, seedWorld, type FakeWorld, type RecordedRequest } from '../src/demo/fake-dixa/index.js';
import { TOKEN, route, startHarness, type Harness } from './support/harness.js';

const world: FakeWorld = seedWorld();
const [AGENT, OTHER_AGENT] = [...world.agents.keys()] as [string, string];

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    fake: { tenants: [{ token: TOKEN, world }] },
    env: { DIXA_ACCESS: 'read-write', DIXA_DEFAULT_AGENT_ID: AGENT, DIXA_HEADERS_TIMEOUT_MS: '400', DIXA_RETRY_BASE_DELAY_MS: '0' },
  });
});
afterAll(() => h.close());
beforeEach(() => {
  h.gateway.datasource.cache.clear();
  h.fake.faults.clear();
  h.resetCalls();
});

const REPLY = /* GraphQL */ `
  mutation Reply($input: ReplyToConversationInput!) {
    replyToConversation(input: $input) {
      message { id conversationId direction text html externalId authorId email { from { email } cc { email } bcc { email } } }
      conversation { id channel }
    }
  }`;

const writes = (): RecordedRequest[] => h.dixaCalls((r) => r.method !== 'GET');
const posts = (id: number): RecordedRequest[] => h.dixaCalls((r) => r.method === 'POST' && route(r) === `/conversations/${id}/messages`);
const stored = (id: number, externalId: string) => (world.messages.get(id) ?? []).filter((m) => m.externalId === externalId);

let keys = 0;
const newKey = (): string => `reply-${Date.now()}-${++keys}`;

const emailConversation = () => findConversation(world, (c) => c.channel === 'Email' && c.integrationEmail === RETURNS_EMAIL);
const chatConversation = () => findConversation(world, (c) => c.channel === 'WidgetChat');

describe('replyToConversation sends an Outbound message in the same conversation', () => {
  it('email: Text content, the default agent, the conversation integration address, the key as externalId', async () => {
    const c = emailConversation();
    const key = newKey();
    const before = world.conversations.size;
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'Your refund is on its way.', idempotencyKey: key } });
    expect(res.errors).toBeUndefined();
    const payload = res.data!.replyToConversation;
    expect(payload.conversation).toEqual({ id: String(c.id), channel: 'EMAIL' });
    expect(payload.message).toMatchObject({ conversationId: String(c.id), direction: 'OUTBOUND', text: 'Your refund is on its way.', externalId: key, authorId: AGENT });
    expect(payload.message.email.from.email).toBe(RETURNS_EMAIL);

    const sent = writes();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', path: `/v1/conversations/${c.id}/messages` });
    expect(sent[0]!.body).toEqual({
      _type: 'Outbound',
      agentId: AGENT,
      content: { _type: 'Text', value: 'Your refund is on its way.' },
      externalId: key,
      integrationEmail: RETURNS_EMAIL,
    });
    // Same conversation, never a new one.
    expect(world.conversations.size).toBe(before);
    expect(stored(c.id, key)).toHaveLength(1);
    expect(payload.message.id).toBe(stored(c.id, key)[0]!.id);
  });

  it('widget chat: Html content as the given agent, no integration address', async () => {
    const c = chatConversation();
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: '<p>Hi <b>there</b></p>', format: 'HTML', agentId: OTHER_AGENT } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.replyToConversation.message).toMatchObject({ direction: 'OUTBOUND', authorId: OTHER_AGENT, html: '<p>Hi <b>there</b></p>' });
    const [post] = writes();
    expect(post!.body).toMatchObject({ _type: 'Outbound', agentId: OTHER_AGENT, content: { _type: 'Html', value: '<p>Hi <b>there</b></p>' } });
    expect(post!.body).not.toHaveProperty('integrationEmail');
    // Without a key the gateway makes one per request, so its own retries stay safe.
    expect((post!.body as { externalId: string }).externalId).toMatch(/^gw-/);
  });

  it('is in the conversation message list right after, with at most one Dixa read', async () => {
    const c = emailConversation();
    await h.gql(`query($id: ID!) { conversation(id: $id) { messages { id } } }`, { id: String(c.id) });
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'Read me back', idempotencyKey: newKey() } });
    const messageId = res.data!.replyToConversation.message.id;
    h.resetCalls();
    const read = await h.gql(`query($id: ID!) { conversation(id: $id) { messages { id text } } }`, { id: String(c.id) });
    const messages = read.data!.conversation.messages as { id: string; text: string }[];
    expect(messages.at(-1)).toEqual({ id: messageId, text: 'Read me back' });
    expect(h.dixaCalls().length).toBeLessThanOrEqual(1);
  });
});

describe('exactly once', () => {
  it('the same key twice: one POST, the first result again', async () => {
    const c = emailConversation();
    const input = { conversationId: String(c.id), content: 'Once only', idempotencyKey: newKey() };
    const first = await h.gql(REPLY, { input });
    const second = await h.gql(REPLY, { input });
    expect(second.errors).toBeUndefined();
    expect(second.data).toEqual(first.data);
    expect(posts(c.id)).toHaveLength(1);
    expect(stored(c.id, input.idempotencyKey)).toHaveLength(1);
  });

  it('ten concurrent requests with one key: one POST, ten equal answers', async () => {
    const c = chatConversation();
    const input = { conversationId: String(c.id), content: 'Concurrent', idempotencyKey: newKey() };
    const answers = await Promise.all(Array.from({ length: 10 }, () => h.gql(REPLY, { input })));
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual(answers[0]!.data);
    }
    expect(posts(c.id)).toHaveLength(1);
    expect(stored(c.id, input.idempotencyKey)).toHaveLength(1);
  });

  it('the same key with different content: IDEMPOTENCY_CONFLICT and no Dixa call', async () => {
    const c = emailConversation();
    const key = newKey();
    await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'First', idempotencyKey: key } });
    h.resetCalls();
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'Second', idempotencyKey: key } });
    expect(res.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(res.errors?.[0]?.message).toContain(key);
    expect(h.dixaCalls()).toHaveLength(0);
  });

  it('stored, then the response times out: success, one message, found by reading the messages', async () => {
    const c = emailConversation();
    const key = newKey();
    h.fake.faults.add({ method: 'POST', path: `/conversations/${c.id}/messages`, hang: true });
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'Through the timeout', idempotencyKey: key } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.replyToConversation.message).toMatchObject({ externalId: key, text: 'Through the timeout' });
    expect(posts(c.id)).toHaveLength(1);
    expect(stored(c.id, key)).toHaveLength(1);
    expect(h.dixaCalls((r) => r.method === 'GET' && route(r) === `/conversations/${c.id}/messages`).length).toBeGreaterThanOrEqual(1);
  });

  it('stored, then a 504: success with one message', async () => {
    const c = chatConversation();
    const key = newKey();
    h.fake.faults.add({ method: 'POST', path: `/conversations/${c.id}/messages`, status: 504, afterHandling: true });
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'After a 504', idempotencyKey: key } });
    expect(res.errors).toBeUndefined();
    expect(posts(c.id)).toHaveLength(1);
    expect(stored(c.id, key)).toHaveLength(1);
  });

  it('stored, then the connection is reset: success with one message', async () => {
    const c = chatConversation();
    const key = newKey();
    h.fake.faults.add({ method: 'POST', path: `/conversations/${c.id}/messages`, reset: true });
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'After a reset', idempotencyKey: key } });
    expect(res.errors).toBeUndefined();
    expect(posts(c.id)).toHaveLength(1);
    expect(stored(c.id, key)).toHaveLength(1);
  });

  it('not stored (503 before handling): Dixa is checked, then the POST is sent again', async () => {
    const c = emailConversation();
    const key = newKey();
    h.fake.faults.add({ method: 'POST', path: `/conversations/${c.id}/messages`, status: 503 });
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'Second time lucky', idempotencyKey: key } });
    expect(res.errors).toBeUndefined();
    expect(posts(c.id)).toHaveLength(2);
    expect(stored(c.id, key)).toHaveLength(1);
  });

  it('gives up after three POSTs that Dixa did not store', async () => {
    const c = emailConversation();
    const key = newKey();
    h.fake.faults.add({ method: 'POST', path: `/conversations/${c.id}/messages`, status: 503, times: 3 });
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'Never lands', idempotencyKey: key } });
    expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(posts(c.id)).toHaveLength(3);
    expect(stored(c.id, key)).toHaveLength(0);
    // The failure is not remembered: the same key later sends it.
    h.resetCalls();
    const retry = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'Never lands', idempotencyKey: key } });
    expect(retry.errors).toBeUndefined();
    expect(stored(c.id, key)).toHaveLength(1);
  });

  it('Dixa answers 400 Duplicate externalId (sent before, e.g. by another gateway): the stored message is returned', async () => {
    const c = chatConversation();
    const key = newKey();
    const original = { ...world.messages.get(c.id)![0]!, id: '5f1c8a3e-0000-4000-8000-00000000d00b', externalId: key };
    world.messages.get(c.id)!.push(original);
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'Already there', idempotencyKey: key } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.replyToConversation.message.id).toBe(original.id);
    expect(posts(c.id)).toHaveLength(1);
    expect(posts(c.id)[0]!.status).toBe(400);
    expect(stored(c.id, key)).toHaveLength(1);
  });
});

describe('channels', () => {
  it.each(['Sms', 'WhatsApp', 'PstnPhone'])('a %s conversation: UNSUPPORTED_CHANNEL naming the channel and the reply channels, zero writes', async (channel) => {
    const c = findConversation(world, (x) => x.channel === channel);
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'Hello' } });
    const error = res.errors?.[0];
    expect(error?.extensions?.code).toBe('UNSUPPORTED_CHANNEL');
    expect(error?.message).toContain('EMAIL, WIDGET_CHAT');
    expect(error?.extensions?.replyChannels).toEqual(['EMAIL', 'WIDGET_CHAT']);
    expect(writes()).toHaveLength(0);
  });
});

describe('cc and bcc', () => {
  it('resolves e-mail addresses to Dixa end users and sends their ids; ids pass as they are', async () => {
    const c = emailConversation();
    const [ccUser, bccUser] = [...world.endUsers.values()].filter((u) => u.email && u.id !== c.requesterId) as unknown as [{ id: string; email: string }, { id: string; email: string }];
    const res = await h.gql(REPLY, {
      input: { conversationId: String(c.id), content: 'Copying people', cc: [ccUser.email.toUpperCase()], bcc: [bccUser.id], idempotencyKey: newKey() },
    });
    expect(res.errors).toBeUndefined();
    const [post] = writes();
    expect(post!.body).toMatchObject({ cc: [ccUser.id], bcc: [bccUser.id] });
    expect(res.data!.replyToConversation.message.email.cc).toEqual([{ email: ccUser.email }]);
  });

  it('an address Dixa does not know: BAD_USER_INPUT naming it, zero writes', async () => {
    const c = emailConversation();
    const res = await h.gql(REPLY, { input: { conversationId: String(c.id), content: 'x', cc: ['nobody-here@example.org'] } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toContain('nobody-here@example.org');
    expect(writes()).toHaveLength(0);
  });
});

describe('bad input: BAD_USER_INPUT (or NOT_FOUND) and zero writes', () => {
  const cases: [string, () => Record<string, unknown>, string, RegExp][] = [
    ['blank content', () => ({ conversationId: String(emailConversation().id), content: '   ' }), 'BAD_USER_INPUT', /content must not be blank/],
    ['content over the bound', () => ({ conversationId: String(emailConversation().id), content: 'x'.repeat(100_001) }), 'BAD_USER_INPUT', /at most 100000 characters/],
    ['a conversation id that is not one', () => ({ conversationId: 'abc', content: 'x' }), 'BAD_USER_INPUT', /conversationId must be a Dixa conversation id/],
    ['an agent id that is not a uuid', () => ({ conversationId: String(emailConversation().id), content: 'x', agentId: 'bob' }), 'BAD_USER_INPUT', /agentId must be a Dixa agent id/],
    ['cc on a chat conversation', () => ({ conversationId: String(chatConversation().id), content: 'x', cc: ['a@example.com'] }), 'BAD_USER_INPUT', /only to email conversations/],
    ['a cc entry that is neither id nor address', () => ({ conversationId: String(emailConversation().id), content: 'x', cc: ['bob'] }), 'BAD_USER_INPUT', /cc\[0\] must be a Dixa end-user id/],
    ['too many cc', () => ({ conversationId: String(emailConversation().id), content: 'x', cc: Array.from({ length: 21 }, (_, i) => `p${i}@example.com`) }), 'BAD_USER_INPUT', /at most 20/],
    ['an idempotency key with spaces', () => ({ conversationId: String(emailConversation().id), content: 'x', idempotencyKey: 'a b' }), 'BAD_USER_INPUT', /idempotencyKey must be/],
    ['an unknown conversation', () => ({ conversationId: '999999', content: 'x' }), 'NOT_FOUND', /no conversation 999999/],
    ['an unknown agent', () => ({ conversationId: String(emailConversation().id), content: 'x', agentId: '0e4d0ead-dc69-470a-9b3a-e7eb16a56453' }), 'NOT_FOUND', /no agent/],
  ];
  it.each(cases)('%s', async (_name, input, code, message) => {
    const res = await h.gql(REPLY, { input: input() });
    expect(res.errors?.[0]?.extensions?.code).toBe(code);
    expect(res.errors?.[0]?.message).toMatch(message);
    expect(writes()).toHaveLength(0);
  });
});

describe('without DIXA_DEFAULT_AGENT_ID', () => {
  let bare: Harness;
  beforeAll(async () => {
    bare = await startHarness({ env: { DIXA_ACCESS: 'read-write' } });
  });
  afterAll(() => bare.close());

  it('a reply without agentId is BAD_USER_INPUT saying how to set one, before any Dixa call', async () => {
    const res = await bare.gql(REPLY, { input: { conversationId: '1000', content: 'x' } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/DIXA_DEFAULT_AGENT_ID/);
    expect(bare.dixaCalls()).toHaveLength(0);
  });
});

// createConversation against the fake Dixa over real HTTP: customer by
// id / by e-mail / created, the channel variants and what each needs, the steps after
// the create, and resuming by idempotencyKey without ever creating a second conversation.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_ORDER_NUMBER,
  SMS_NUMBER,
  SUPPORT_EMAIL,
  activeTags,
  seedWorld,
  type FakeWorld,
  type RecordedRequest,
} from '../src/demo/fake-dixa/index.js';
import { TOKEN, callShape, route, startHarness, type Harness } from './support/harness.js';

const world: FakeWorld = seedWorld();
const [AGENT] = [...world.agents.keys()] as [string];
const QUEUE = [...world.queues.values()].find((q) => !q.isDefault)!.id;
const ORDER_ATTRIBUTE = [...world.customAttributeDefinitions.values()].find((d) => d.identifier === ATTRIBUTE_ORDER_NUMBER)!.id;
const SEEDED_TAG = activeTags(world)[0]!.name;
const WIDGET = '7d1f3c2a-9b8e-4f6d-a5c4-3b2a19f8e7d6';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    fake: { tenants: [{ token: TOKEN, world }] },
    env: {
      DIXA_ACCESS: 'read-write',
      DIXA_DEFAULT_AGENT_ID: AGENT,
      DIXA_REPLY_CHANNELS: 'EMAIL,WIDGET_CHAT,SMS',
      DIXA_HEADERS_TIMEOUT_MS: '400',
      DIXA_RETRY_BASE_DELAY_MS: '0',
    },
  });
});
afterAll(() => h.close());
beforeEach(() => {
  h.gateway.datasource.cache.clear();
  h.fake.faults.clear();
  h.resetCalls();
});

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateConversationInput!) {
    createConversation(input: $input) {
      conversation {
        id channel subject direction state
        customer { id email displayName phoneNumber externalId }
        queue { id }
        tags { name }
        notes { message author { id } }
        customAttributes { id identifier value }
        messages { text direction externalId }
      }
    }
  }`;

const writes = (): RecordedRequest[] => h.dixaCalls((r) => r.method !== 'GET');
const shapes = (requests: RecordedRequest[]): string[] => requests.map(callShape);
const creates = (): RecordedRequest[] => h.dixaCalls((r) => r.method === 'POST' && route(r) === '/conversations');

let n = 0;
const unique = (): string => `${Date.now()}-${++n}`;

function conversationInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = unique();
  return {
    channel: 'EMAIL',
    customer: { email: `new.customer.${id}@example.com`, displayName: 'Nora New', phoneNumber: '+4520304050', externalId: `applied-${id}` },
    subject: 'Escalated: damaged tent',
    content: 'My tent arrived with a torn flysheet.',
    emailIntegrationId: SUPPORT_EMAIL,
    note: 'Applied summary: customer wants a replacement, order A-1042.',
    tags: [SEEDED_TAG.toUpperCase(), `applied-${id}`],
    queueId: QUEUE,
    customAttributes: { [ORDER_ATTRIBUTE]: 'A-1042' },
    idempotencyKey: `esc-${id}`,
    ...overrides,
  };
}

function conversationsOf(email: string) {
  const user = [...world.endUsers.values()].find((u) => u.email === email);
  return user ? [...world.conversations.values()].filter((c) => c.requesterId === user.id) : [];
}

describe('createConversation', () => {
  it('new customer by e-mail: creates the end user, the conversation, then note, tags, attributes and queue', async () => {
    const input = conversationInput();
    const res = await h.gql(CREATE, { input });
    expect(res.errors).toBeUndefined();
    const got = res.data!.createConversation.conversation;
    const customer = input.customer as { email: string; externalId: string };
    const tagName = (input.tags as string[])[1]!;
    expect(got).toMatchObject({
      channel: 'EMAIL',
      subject: 'Escalated: damaged tent',
      direction: 'INBOUND',
      customer: { email: customer.email, displayName: 'Nora New', phoneNumber: '+4520304050', externalId: customer.externalId },
      queue: { id: QUEUE },
      notes: [{ message: input.note, author: { id: AGENT } }],
      customAttributes: [{ id: ORDER_ATTRIBUTE, identifier: ATTRIBUTE_ORDER_NUMBER, value: 'A-1042' }],
      messages: [{ text: input.content, direction: 'INBOUND', externalId: input.idempotencyKey }],
    });
    expect(got.tags.map((t: { name: string }) => t.name).sort()).toEqual([SEEDED_TAG, tagName].sort());

    // The seeded tag is applied as it is; the new name is created first (POST /tags).
    expect(shapes(writes())).toEqual([
      'POST /endusers',
      'POST /conversations',
      'POST /conversations/:id/notes',
      'PUT /conversations/:id/tags/:uuid',
      'POST /tags',
      'PUT /conversations/:id/tags/:uuid',
      'PATCH /conversations/:id/custom-attributes',
      'PUT /conversations/:id/transfer/queue',
    ]);
    expect(h.dixaCalls((r) => route(r) === '/tags' && r.method === 'POST')[0]!.body).toEqual({ name: tagName });

    const [create] = creates();
    expect(create!.body).toMatchObject({
      _type: 'Email',
      emailIntegrationId: SUPPORT_EMAIL,
      subject: 'Escalated: damaged tent',
      message: { _type: 'Inbound', content: { _type: 'Text', value: input.content }, externalId: input.idempotencyKey },
    });
    expect(h.dixaCalls((r) => r.method === 'PATCH')[0]!.body).toEqual({ [ORDER_ATTRIBUTE]: 'A-1042' });
    expect(h.dixaCalls((r) => route(r).endsWith('/transfer/queue'))[0]!.body).toEqual({ queueId: QUEUE });
    expect(conversationsOf(customer.email)).toHaveLength(1);
  });

  it('an existing customer by e-mail: no end user is created', async () => {
    const existing = [...world.endUsers.values()].find((u) => u.email)!;
    const res = await h.gql(CREATE, { input: conversationInput({ customer: { email: existing.email!.toUpperCase() }, tags: [], note: null, queueId: null, customAttributes: null }) });
    expect(res.errors).toBeUndefined();
    expect(res.data!.createConversation.conversation.customer.id).toBe(existing.id);
    expect(shapes(writes())).toEqual(['POST /conversations']);
    expect(creates()[0]!.body).toMatchObject({ requesterId: existing.id });
  });

  it('a cached "no such customer" is checked against Dixa again before an end user is created', async () => {
    const email = `late.arrival.${unique()}@example.com`;
    const before = await h.gql(`query($e: String!) { customerByEmail(email: $e) { id } }`, { e: email });
    expect(before.data!.customerByEmail).toBeNull();
    const user = { id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', createdAt: new Date().toISOString(), email, displayName: 'Late Arrival' };
    world.endUsers.set(user.id, user);
    h.resetCalls();
    const res = await h.gql(CREATE, { input: conversationInput({ customer: { email }, tags: [], note: null, queueId: null, customAttributes: null }) });
    expect(res.errors).toBeUndefined();
    expect(res.data!.createConversation.conversation.customer.id).toBe(user.id);
    expect(shapes(writes())).toEqual(['POST /conversations']);
  });

  it('an existing customer by id; an unknown id is NOT_FOUND with zero writes', async () => {
    const existing = [...world.endUsers.values()][3]!;
    const ok = await h.gql(CREATE, { input: conversationInput({ customer: { id: existing.id }, tags: [], note: null, queueId: null, customAttributes: null }) });
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.createConversation.conversation.customer.id).toBe(existing.id);
    expect(shapes(writes())).toEqual(['POST /conversations']);

    h.resetCalls();
    const missing = await h.gql(CREATE, { input: conversationInput({ customer: { id: '0e4d0ead-dc69-470a-9b3a-e7eb16a56453' } }) });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(missing.errors?.[0]?.message).toMatch(/customer/);
    expect(writes()).toHaveLength(0);
  });

  it('WIDGET_CHAT sends a Chat create with the widget id; OUTBOUND SMS sends an Sms create with the agent', async () => {
    const chat = await h.gql(CREATE, { input: conversationInput({ channel: 'WIDGET_CHAT', widgetId: WIDGET, subject: null, emailIntegrationId: null, tags: [], note: null, queueId: null, customAttributes: null }) });
    expect(chat.errors).toBeUndefined();
    expect(chat.data!.createConversation.conversation.channel).toBe('WIDGET_CHAT');
    expect(creates()[0]!.body).toMatchObject({ _type: 'Chat', widgetId: WIDGET, message: { _type: 'Inbound' } });

    h.resetCalls();
    const sms = await h.gql(CREATE, {
      input: conversationInput({ channel: 'SMS', direction: 'OUTBOUND', contactEndpointId: SMS_NUMBER, subject: null, emailIntegrationId: null, tags: [], note: null, queueId: null, customAttributes: null }),
    });
    expect(sms.errors).toBeUndefined();
    expect(sms.data!.createConversation.conversation).toMatchObject({ channel: 'SMS', direction: 'OUTBOUND' });
    expect(creates()[0]!.body).toMatchObject({ _type: 'Sms', contactEndpointId: SMS_NUMBER, message: { _type: 'Outbound', agentId: AGENT } });
  });

  it('the same key again: the same conversation and no write', async () => {
    const input = conversationInput();
    const first = await h.gql(CREATE, { input });
    h.resetCalls();
    const again = await h.gql(CREATE, { input });
    expect(again.errors).toBeUndefined();
    expect(again.data!.createConversation.conversation.id).toBe(first.data!.createConversation.conversation.id);
    expect(writes()).toHaveLength(0);
  });

  it('concurrent requests with one key create one conversation', async () => {
    const input = conversationInput();
    const answers = await Promise.all(Array.from({ length: 5 }, () => h.gql(CREATE, { input })));
    const ids = new Set(answers.map((a) => a.data!.createConversation.conversation.id));
    expect(ids.size).toBe(1);
    expect(creates()).toHaveLength(1);
    expect(h.dixaCalls((r) => r.method === 'POST' && route(r) === '/endusers')).toHaveLength(1);
  });

  it('the same key with a different input: IDEMPOTENCY_CONFLICT and no Dixa call', async () => {
    const input = conversationInput();
    await h.gql(CREATE, { input });
    h.resetCalls();
    const res = await h.gql(CREATE, { input: { ...input, content: 'Something else' } });
    expect(res.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(h.dixaCalls()).toHaveLength(0);
  });
});

describe('resuming', () => {
  it('a failure at the tag step names the conversation and the step; the same key again finishes it on the same conversation', async () => {
    const input = conversationInput();
    const email = (input.customer as { email: string }).email;
    h.fake.faults.add({ method: 'POST', path: '/tags', status: 500 });
    const failed = await h.gql(CREATE, { input });
    const error = failed.errors?.[0];
    expect(error?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(error?.extensions?.failedStep).toBe('tags');
    const conversationId = error?.extensions?.conversationId as string;
    expect(conversationId).toMatch(/^\d+$/);
    expect(error?.message).toContain(input.idempotencyKey as string);
    const c = world.conversations.get(Number(conversationId))!;
    expect(world.notes.get(c.id)).toHaveLength(1);
    expect(c.queue?.id).not.toBe(QUEUE);

    h.resetCalls();
    const resumed = await h.gql(CREATE, { input });
    expect(resumed.errors).toBeUndefined();
    const got = resumed.data!.createConversation.conversation;
    expect(got.id).toBe(conversationId);
    expect(got.queue).toEqual({ id: QUEUE });
    expect(got.tags).toHaveLength(2);
    expect(got.notes).toHaveLength(1);
    expect(got.customAttributes).toHaveLength(1);
    // Nothing already done is done again.
    expect(shapes(writes()).filter((s) => s.startsWith('POST /endusers') || s === 'POST /conversations' || s.endsWith('/notes'))).toEqual([]);
    expect(conversationsOf(email)).toHaveLength(1);
    expect(world.notes.get(c.id)).toHaveLength(1);
  });

  it('the create answer times out after Dixa stored it: the conversation is found by its first message externalId, not created again', async () => {
    const input = conversationInput();
    h.fake.faults.add({ method: 'POST', path: '/conversations', hang: true });
    const res = await h.gql(CREATE, { input });
    expect(res.errors).toBeUndefined();
    expect(creates()).toHaveLength(1);
    expect(conversationsOf((input.customer as { email: string }).email)).toHaveLength(1);
    expect(res.data!.createConversation.conversation.queue).toEqual({ id: QUEUE });
  });

  it('the create fails before Dixa stored it: an error at step createConversation; the same key checks Dixa, then creates it once', async () => {
    const input = conversationInput();
    h.fake.faults.add({ method: 'POST', path: '/conversations', status: 503 });
    const failed = await h.gql(CREATE, { input });
    expect(failed.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', failedStep: 'createConversation' });
    expect(failed.errors?.[0]?.extensions?.conversationId).toBeUndefined();

    h.resetCalls();
    const resumed = await h.gql(CREATE, { input });
    expect(resumed.errors).toBeUndefined();
    expect(creates()).toHaveLength(1);
    // It looked for the conversation before posting again.
    const customerList = h.dixaCalls((r) => r.method === 'GET' && /^\/endusers\/[^/]+\/conversations$/.test(route(r)));
    expect(customerList.length).toBeGreaterThanOrEqual(1);
    expect(customerList[0]!.at).toBeLessThanOrEqual(creates()[0]!.at);
    expect(conversationsOf((input.customer as { email: string }).email)).toHaveLength(1);
  });

  it('without a key, the failure hands out the key the gateway made, and it resumes', async () => {
    const input = conversationInput({ idempotencyKey: null });
    h.fake.faults.add({ method: 'PUT', path: /\/transfer\/queue$/, status: 400, body: { message: 'Queue does not exist' } });
    const failed = await h.gql(CREATE, { input });
    const extensions = failed.errors?.[0]?.extensions ?? {};
    expect(extensions).toMatchObject({ code: 'BAD_USER_INPUT', failedStep: 'transfer' });
    const resumed = await h.gql(CREATE, { input: { ...input, idempotencyKey: extensions.idempotencyKey } });
    expect(resumed.errors).toBeUndefined();
    expect(resumed.data!.createConversation.conversation.id).toBe(extensions.conversationId);
    expect(creates()).toHaveLength(1);
  });
});

describe('bad input: the exact problem, zero writes', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['EMAIL without subject or integration', { subject: null, emailIntegrationId: null }, 'BAD_USER_INPUT', /EMAIL conversations need subject and emailIntegrationId .*DIXA_EMAIL_INTEGRATION_ID/],
    ['WIDGET_CHAT without a widget', { channel: 'WIDGET_CHAT' }, 'BAD_USER_INPUT', /WIDGET_CHAT conversations need widgetId .*DIXA_WIDGET_ID/],
    ['SMS inbound', { channel: 'SMS', contactEndpointId: SMS_NUMBER }, 'BAD_USER_INPUT', /SMS conversations can only be created outbound/],
    ['SMS without a number', { channel: 'SMS', direction: 'OUTBOUND' }, 'BAD_USER_INPUT', /SMS conversations need contactEndpointId/],
    ['WhatsApp', { channel: 'WHATSAPP' }, 'UNSUPPORTED_CHANNEL', /cannot create WHATSAPP/],
    ['phone', { channel: 'PSTN_PHONE' }, 'UNSUPPORTED_CHANNEL', /cannot create PSTN_PHONE/],
    ['no customer id or e-mail', { customer: { displayName: 'Who' } }, 'BAD_USER_INPUT', /customer needs id .* or email/],
    ['a bad customer e-mail', { customer: { email: 'not-an-address' } }, 'BAD_USER_INPUT', /customer.email must be an e-mail address/],
    ['blank content', { content: ' ' }, 'BAD_USER_INPUT', /content must not be blank/],
    ['a note over the bound', { note: 'n'.repeat(10_001) }, 'BAD_USER_INPUT', /note may be at most 10000/],
    ['a blank tag', { tags: ['ok', ' '] }, 'BAD_USER_INPUT', /tags\[1\] must be a tag name/],
    ['too many tags', { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'BAD_USER_INPUT', /at most 20 names/],
    ['custom attributes keyed by identifier', { customAttributes: { order_number: 'A-1' } }, 'BAD_USER_INPUT', /custom attribute ids \(uuids\)/],
    ['a custom attribute value of the wrong kind', { customAttributes: { [ORDER_ATTRIBUTE]: 42 } }, 'BAD_USER_INPUT', /must be a string/],
    ['a bad language', { language: 'english please' }, 'BAD_USER_INPUT', /language must be a language code/],
    ['an INTERNAL direction', { direction: 'INTERNAL' }, 'BAD_USER_INPUT', /direction must be INBOUND .* or OUTBOUND/],
    ['an unknown queue', { queueId: '0e4d0ead-dc69-470a-9b3a-e7eb16a56453' }, 'NOT_FOUND', /no queue/],
    ['an unknown agent', { agentId: '0e4d0ead-dc69-470a-9b3a-e7eb16a56453' }, 'NOT_FOUND', /no agent/],
  ];
  it.each(cases)('%s', async (_name, overrides, code, message) => {
    const res = await h.gql(CREATE, { input: conversationInput(overrides) });
    expect(res.errors?.[0]?.extensions?.code).toBe(code);
    expect(res.errors?.[0]?.message).toMatch(message);
    expect(writes()).toHaveLength(0);
  });
});

describe('listings after createConversation', () => {
  it("the customer's cached conversation list and search pages show the new conversation at once", async () => {
    const customer = [...world.endUsers.values()].find((u) => u.email)!;
    const LIST = `query($id: ID!) { customer(id: $id) { conversations(first: 50) { nodes { id } } } searchConversations(first: 5) { nodes { id } } }`;
    const before = await h.gql(LIST, { id: customer.id });
    expect(before.errors).toBeUndefined();
    const created = await h.gql(CREATE, {
      input: { channel: 'EMAIL', customer: { id: customer.id }, subject: 'Listed at once?', content: 'Hello', emailIntegrationId: SUPPORT_EMAIL },
    });
    expect(created.errors).toBeUndefined();
    const id = created.data!.createConversation.conversation.id;
    const after = await h.gql(LIST, { id: customer.id });
    expect(after.data!.customer.conversations.nodes.map((n: any) => n.id)).toContain(id);
    expect(after.data!.searchConversations.nodes.map((n: any) => n.id)).toContain(id);
  });
});

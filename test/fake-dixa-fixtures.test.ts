// Contract test of the fake Dixa against ../shared/dixa/fixtures: for every fixture that maps
// to an endpoint, the fake is asked over HTTP and its answers must have the fixture's shape
// (keys and value kinds, recursively; the rules are in test/support/shape.ts) and its
// envelope (`{data}`, plus `meta` on paginated lists only). Skipped, with a note, when
// ../shared is absent.
//
// Two tenants: "seeded" (seedWorld(), what tests and the demo run against) answers the reads,
// so the shapes come from data the fake made up; "fixture" is loaded with the fixtures'
// own world so that requests.json's bodies can be sent unchanged, and its write answers and
// the objects those writes create are the fake's own making. A conversation (and its
// messages) created there is compared together with the seeded ones of its channel: every
// kind either sends must fit the fixture, and every fixture key must be in one of them.
//
// Fixtures not compared as an answer shape, and why:
// - errors.json `500`: the fake answers 500 only when a handler crashes; a fault rule's
//   body is whatever the test scripts, so comparing it would test the test.
// - webhook-signature-vectors.json is not an answer: the fake's signer is checked against
//   the valid vectors, and the deliveries below against the subscription's secret.
// - search-request.json is a request body: the fake must accept it (200, envelope checked).
// - requests.json is request bodies: each is sent to its endpoint and must succeed.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emptyWorld, seedWorld, signDixaWebhook, startFakeDixa, type FakeDixa, type FakeWorld } from '../src/demo/fake-dixa/index.js';
import type { DixaConversation } from '../src/demo/fake-dixa/wire.js';
import { hasShared, readShared } from './support/shared.js';
import { shapeOf, shapeProblems, type ShapeRules } from './support/shape.js';

const SEEDED = 'seeded-token';
const FIXED = 'fixture-token';

const rules: ShapeRules = {
  // Keys that are data, not field names.
  maps: [/\.highlights$/, /\.usages\.usages$/, /\.queueThresholds$/, /\.doNotOfferTimeouts$/, /\.headers$/, /\.formSubmission\.values$/],
  // A custom attribute's value is a string (Text) or a string[] (Select path): spec CustomAttribute.
  unions: [/\.customAttributes\[\]\.value$/],
  // REFERENCE.md §5: a webhook conversation's queue, assignee and subject may be null.
  nullable: [/\.conversation\.(queue|assignee|subject)$/],
  // A message carries externalId only when its sender gave one (the seeded SMS threads have none).
  presentWhenSent: [/\.data\[\]\.externalId$/],
};

const fixture = (name: string): any => JSON.parse(readShared(`dixa/fixtures/${name}`));

interface Answer {
  status: number;
  body: any;
}

/** Named answers collected in beforeAll; each `it` compares one fixture with its answers. */
const answers = new Map<string, Answer[]>();
const deliveries: { body: string; signature: string }[] = [];
let dixa: FakeDixa;
let receiver: Server;
let subscriptionSecret = '';

async function call(method: string, path: string, body?: unknown, token: string = SEEDED, raw?: string): Promise<Answer> {
  const headers: Record<string, string> = { Authorization: token };
  if (body !== undefined || raw !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(new URL(path, dixa.url), { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function collect(name: string, ...pending: Promise<Answer>[]): Promise<Answer[]> {
  const got = await Promise.all(pending);
  answers.set(name, [...(answers.get(name) ?? []), ...got]);
  return got;
}

/** The fixture files' own organization, so requests.json's ids resolve. */
function fixtureWorld(): FakeWorld {
  const world = emptyWorld('Example Organization');
  world.organization = fixture('organization.json').data;
  const user = fixture('enduser.json').data;
  world.endUsers.set(user.id, user);
  for (const agent of fixture('agents.json').data) world.agents.set(agent.id, agent);
  const queue = fixture('queue.json').data;
  world.queues.set(queue.id, queue);
  const conversations: DixaConversation[] = ['chat', 'email', 'sms'].map((c) => fixture(`conversation-${c}.json`).data);
  // No fixture has a WhatsApp conversation; this one (made up from the SMS one) receives
  // requests.json's addMessage_whatsapp_outbound.
  conversations.push({ ...fixture('conversation-sms.json').data, id: 102, channel: 'WhatsApp', _type: 'WhatsAppConversation' });
  for (const c of conversations) {
    world.conversations.set(c.id, structuredClone(c));
    world.conversationTags.set(c.id, []);
  }
  world.messages.set(1, fixture('messages-chat.json').data);
  world.messages.set(100, fixture('messages-email.json').data);
  world.messages.set(101, fixture('messages-sms.json').data);
  world.notes.set(100, fixture('notes.json').data);
  world.contactEndpoints = fixture('responses.json').listContactEndpoints_200.data;
  // The attribute requests.json patches (its definition is not among the fixtures).
  const attribute = fixture('conversation-chat.json').data.customAttributes[0];
  world.customAttributeDefinitions.set(attribute.id, {
    id: attribute.id,
    entityType: 'Conversation',
    identifier: attribute.identifier,
    label: attribute.name,
    inputDefinition: { _type: 'Text' },
    createdAt: '2021-01-01T00:00:00Z',
    isRequired: false,
    isArchived: false,
    isDeactivated: false,
  });
  world.apiUserId = fixture('agents.json').data[1].id;
  // Tags are left out so POST /tags creates one (the fake answers an existing tag as stored).
  return world;
}

async function collectSeededReads(world: FakeWorld): Promise<void> {
  const byChannel = (channel: string) => [...world.conversations.values()].filter((c) => c.channel === channel).map((c) => c.id);
  await collect('organization.json', call('GET', '/v1/organization'));
  await collect('enduser.json', ...[...world.endUsers.keys()].map((id) => call('GET', `/v1/endusers/${id}`)));
  await collect('agents.json', call('GET', '/v1/agents'));
  await collect('queue.json', ...[...world.queues.keys()].map((id) => call('GET', `/v1/queues/${id}`)));
  await collect('tags.json', call('GET', '/v1/tags?includeDeactivated=true'));
  for (const [file, channel] of [['chat', 'WidgetChat'], ['email', 'Email'], ['sms', 'Sms']] as const) {
    const ids = byChannel(channel);
    await collect(`conversation-${file}.json`, ...ids.map((id) => call('GET', `/v1/conversations/${id}`)));
    await collect(`messages-${file}.json`, ...ids.map((id) => call('GET', `/v1/conversations/${id}/messages`)));
  }
  const withNotes = [...world.notes.entries()].filter(([, notes]) => notes.length > 0).map(([id]) => id);
  await collect('notes.json', ...withNotes.map((id) => call('GET', `/v1/conversations/${id}/notes`)));
  // Page size 2 like the fixture, so the fake has a next page to link.
  await collect('search-conversations.json', call('POST', '/v1/search/conversations?pageLimit=2', { query: { value: 'order' } }));
  await collect('search-request.json', call('POST', '/v1/search/conversations', fixture('search-request.json')));
  await collect('responses.json#listContactEndpoints_200', call('GET', '/v1/contact-endpoints'));
}

/** Sends requests.json's bodies to the fixture tenant; keeps the answers and the objects created. */
async function collectFixtureWrites(): Promise<void> {
  const requests = fixture('requests.json');
  const post = (path: string, body: unknown) => call('POST', path, body, FIXED);
  const put = (path: string, body: unknown) => call('PUT', path, body, FIXED);

  const createdIds: Record<string, number> = {};
  for (const [key, file] of [
    ['createConversation_Email_inbound', 'email'],
    ['createConversation_Email_outbound', 'email'],
    ['createConversation_Chat_inbound', 'chat'],
    ['createConversation_Sms_outbound', 'sms'],
  ] as const) {
    const [created] = await collect('responses.json#createConversation_201', post('/v1/conversations', requests[key]));
    const id = created?.body?.data?.id as number;
    createdIds[key] = id;
  }
  // Into the conversations just created: conversation 100 already holds externalId gw-msg-0001.
  const email = createdIds.createConversation_Email_outbound as number;
  const chat = createdIds.createConversation_Chat_inbound as number;
  await collect('responses.json#addMessage_200', post(`/v1/conversations/${email}/messages`, requests.addMessage_outbound));
  await collect('responses.json#addMessage_200', post(`/v1/conversations/${chat}/messages`, requests.addMessage_inbound));
  await collect('responses.json#addMessage_200', post('/v1/conversations/102/messages', requests.addMessage_whatsapp_outbound));
  for (const [key, file] of [
    ['createConversation_Email_inbound', 'email'],
    ['createConversation_Email_outbound', 'email'],
    ['createConversation_Chat_inbound', 'chat'],
    ['createConversation_Sms_outbound', 'sms'],
  ] as const) {
    const id = createdIds[key] as number;
    await collect(`conversation-${file}.json`, call('GET', `/v1/conversations/${id}`, undefined, FIXED));
    await collect(`messages-${file}.json`, call('GET', `/v1/conversations/${id}/messages`, undefined, FIXED));
  }
  await collect('responses.json#createNote_200', post('/v1/conversations/100/notes', requests.createNote));
  await collect('responses.json#patchConversationCustomAttributes_200', call('PATCH', '/v1/conversations/1/custom-attributes', requests.patchConversationCustomAttributes, FIXED));
  await collect('responses.json#createTag_200', post('/v1/tags', requests.createTag));
  await collect('created:enduser.json', post('/v1/endusers', requests.createEndUser));
  // Body-less actions: each request body must be accepted (204, no body).
  const sms = createdIds.createConversation_Sms_outbound as number;
  await collect('actions:204', put('/v1/conversations/1/claim', requests.claimConversation));
  await collect('actions:204', put(`/v1/conversations/${sms}/close`, requests.closeConversation));
  await collect('actions:204', put(`/v1/conversations/${sms}/reopen`, requests.reopenConversation));
  await collect('actions:204', put(`/v1/conversations/${sms}/followup`, requests.followupConversation));
  await collect('actions:204', put(`/v1/conversations/${sms}/transfer/queue`, requests.transferToQueue));
  // After those, conversation 101 is still in the fixture's shape as the fake serves it.
  await collect('webhook-subscription.json', post('/v1/webhooks', requests.createWebhookSubscription));
}

async function collectErrors(): Promise<void> {
  await collect('errors.json#400_decoding', call('POST', '/v1/conversations', undefined, SEEDED, '{"_type": "Email",'));
  await collect('errors.json#400_invalid', call('POST', '/v1/tags', { name: ' ' }));
  await collect('errors.json#401', call('GET', '/v1/organization', undefined, 'no-such-token'));
  await collect('errors.json#404', call('GET', '/v1/conversations/999999999'));
  // requests.json's claim with force:false, by the agent not holding conversation 100.
  await collect('errors.json#409_assumed', call('PUT', '/v1/conversations/100/claim', fixture('requests.json').claimConversation, FIXED));
}

/** Subscribes a loopback receiver on the seeded tenant and makes the three changes the webhook fixtures show. */
async function collectWebhooks(world: FakeWorld): Promise<void> {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['x-dixa-signature']) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/dixa`;
  const subscription = await call('POST', '/v1/webhooks', {
    name: 'contract',
    url,
    events: ['ConversationMessageAdded', 'ConversationNoteAdded', 'ConversationClosed'],
    authorization: { _type: 'NoAuth' },
    customHeaders: {},
  });
  subscriptionSecret = subscription.body.data.secretKey;
  const email = [...world.conversations.values()].find((c) => c.channel === 'Email' && c.state !== 'Closed' && c.assignment?.agentId && c.queue && (world.conversationTags.get(c.id) ?? []).length > 0);
  // One with a queue, an assignee and tags, so those nested objects have a shape to compare.
  if (!email) throw new Error('the seeded world has no open, queued, assigned and tagged email conversation');
  const agentId = email.assignment!.agentId;
  await call('POST', `/v1/conversations/${email.id}/messages`, { _type: 'Outbound', agentId, content: { _type: 'Text', value: 'Your parcel left the warehouse.' } });
  await call('POST', `/v1/conversations/${email.id}/notes`, { message: 'Customer called about this too.' });
  await call('PUT', `/v1/conversations/${email.id}/close`, {});
  await dixa.webhooks.idle();
  await vi.waitFor(() => expect(deliveries).toHaveLength(3));
}

/** `{data}` only, or `{data, meta}` on a paginated list; `meta.next` when the fixture has one. */
function envelopeProblems(expected: any, answers: Answer[], paginated: boolean): string[] {
  const problems: string[] = [];
  for (const { body } of answers) {
    const keys = Object.keys(body ?? {});
    if (!keys.includes('data')) problems.push('no data');
    const allowed = paginated ? ['data', 'meta'] : ['data'];
    for (const key of keys) if (!allowed.includes(key)) problems.push(`unexpected top-level key ${key}`);
  }
  if (typeof expected.meta?.next === 'string' && typeof answers[0]?.body?.meta?.next !== 'string') problems.push('no meta.next on a first page');
  return problems;
}

function compare(name: string, expected: any, options: { status?: number; paginated?: boolean } = {}): void {
  const got = answers.get(name) ?? [];
  expect(got.length, `answers collected for ${name}`).toBeGreaterThan(0);
  expect(got.map((a) => a.status)).toEqual(got.map(() => options.status ?? 200));
  expect(envelopeProblems(expected, got, options.paginated ?? false)).toEqual([]);
  expect(shapeProblems(shapeOf([expected], rules), shapeOf(got.map((a) => a.body), rules), rules)).toEqual([]);
}

describe.skipIf(!hasShared)('fake Dixa answers match ../shared/dixa/fixtures', () => {
  beforeAll(async () => {
    const seeded = seedWorld();
    dixa = await startFakeDixa({ tenants: [{ token: SEEDED, world: seeded }, { token: FIXED, world: fixtureWorld() }] });
    await collectSeededReads(seeded);
    await collectFixtureWrites();
    await collectErrors();
    await collectWebhooks(seeded);
  });

  afterAll(async () => {
    await dixa?.close();
    await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  });

  describe('reads (seeded world; conversations and messages also those created from requests.json)', () => {
    it.each(['organization.json', 'enduser.json', 'queue.json', 'tags.json', 'conversation-chat.json', 'conversation-email.json', 'conversation-sms.json', 'messages-chat.json', 'messages-email.json', 'messages-sms.json', 'notes.json'])(
      '%s',
      (file) => compare(file, fixture(file)),
    );

    it('agents.json (GET /agents, paginated)', () => compare('agents.json', fixture('agents.json'), { paginated: true }));

    it('search-conversations.json (POST /search/conversations, paginated)', () =>
      compare('search-conversations.json', fixture('search-conversations.json'), { paginated: true }));

    it('search-request.json is accepted as a search body', () => {
      const [answer] = answers.get('search-request.json') ?? [];
      expect(answer?.status).toBe(200);
      expect(envelopeProblems({}, [answer!], true)).toEqual([]);
      expect(Array.isArray(answer?.body.data)).toBe(true);
    });

    it('responses.json listContactEndpoints_200', () =>
      compare('responses.json#listContactEndpoints_200', fixture('responses.json').listContactEndpoints_200));
  });

  describe("writes (requests.json's bodies, fixture world)", () => {
    it.each([
      ['createConversation_201', 201],
      ['addMessage_200', 200],
      ['createNote_200', 200],
      ['patchConversationCustomAttributes_200', 200],
      ['createTag_200', 200],
    ] as const)('responses.json %s', (key, status) => compare(`responses.json#${key}`, fixture('responses.json')[key], { status }));

    it('an end user the fake created has the types of enduser.json (only the fields the request gave)', () => {
      const [created] = answers.get('created:enduser.json') ?? [];
      expect(created?.status).toBe(201);
      const expected = fixture('enduser.json');
      // The request sets four fields; the fixture's other optional ones are not expected here.
      const given = ['id', 'createdAt', ...Object.keys(fixture('requests.json').createEndUser)];
      const trimmed = { data: Object.fromEntries(Object.entries(expected.data).filter(([k]) => given.includes(k))) };
      expect(shapeProblems(shapeOf([trimmed], rules), shapeOf([created!.body], rules), rules)).toEqual([]);
    });

    it('close, reopen, followup, claim and transfer accept their request bodies (204, no body)', () => {
      const got = answers.get('actions:204') ?? [];
      expect(got).toHaveLength(5);
      expect(got.map((a) => [a.status, a.body])).toEqual(got.map(() => [204, undefined]));
    });

    it('webhook-subscription.json (POST /webhooks, 201)', () => compare('webhook-subscription.json', fixture('webhook-subscription.json'), { status: 201 }));
  });

  describe('errors.json', () => {
    it.each([
      ['400_decoding', 400],
      ['400_invalid', 400],
      ['401', 401],
      ['404', 404],
      ['409_assumed', 409],
    ] as const)('%s', (key, status) => {
      const expected = fixture('errors.json')[key];
      const [answer] = answers.get(`errors.json#${key}`) ?? [];
      expect(answer?.status).toBe(status);
      expect(shapeProblems(shapeOf([expected], rules), shapeOf([answer!.body], rules), rules)).toEqual([]);
      // The spec's own example texts are Dixa's; the 409 text is the fixture's assumption.
      if (!key.endsWith('_assumed')) expect(answer!.body.message).toBe(expected.message);
    });

    it('429_assumed', async () => {
      const limited = await startFakeDixa({ tenants: [{ token: SEEDED, world: emptyWorld() }], rateLimit: { perSecond: 0.001, burst: 1 } });
      try {
        const headers = { Authorization: SEEDED };
        expect((await fetch(`${limited.url}/v1/organization`, { headers })).status).toBe(200);
        const res = await fetch(`${limited.url}/v1/organization`, { headers });
        expect(res.status).toBe(429);
        const expected = fixture('errors.json')['429_assumed'];
        const body = await res.json();
        expect(shapeProblems(shapeOf([expected], rules), shapeOf([body], rules), rules)).toEqual([]);
      } finally {
        await limited.close();
      }
    });
  });

  describe('webhook deliveries', () => {
    it.each([
      ['webhook-conversation-message-added.json', 'CONVERSATION_MESSAGE_ADDED'],
      ['webhook-conversation-note-added.json', 'CONVERSATION_NOTE_ADDED'],
      ['webhook-conversation-closed.json', 'CONVERSATION_CLOSED'],
    ])('%s', (file, fqn) => {
      const delivered = deliveries.map((d) => JSON.parse(d.body)).filter((p) => p.event_fqn === fqn);
      expect(delivered).toHaveLength(1);
      expect(shapeProblems(shapeOf([fixture(file)], rules), shapeOf(delivered, rules), rules)).toEqual([]);
    });

    it('deliveries are signed like webhook-signature-vectors.json says (and the fake signer reproduces its valid vectors)', () => {
      const vectors = fixture('webhook-signature-vectors.json');
      const valid = vectors.vectors.filter((v: any) => v.valid);
      expect(valid.length).toBeGreaterThan(0);
      for (const vector of valid) {
        const header: string = vector.headers['X-DIXA-SIGNATURE'];
        const t = Number(/t=(\d+)/.exec(header)?.[1]);
        expect(signDixaWebhook(vector.rawBody, vectors.secretKeyHex, t)).toBe(header);
      }
      for (const delivery of deliveries) {
        const t = Number(/t=(\d+)/.exec(delivery.signature)?.[1]);
        expect(signDixaWebhook(delivery.body, subscriptionSecret, t)).toBe(delivery.signature);
      }
    });
  });
});

if (!hasShared) {
  describe('fake Dixa fixture contract', () => {
    it.skip('skipped: ../shared/dixa/fixtures is absent (the contract test needs it beside the project)', () => {});
  });
}

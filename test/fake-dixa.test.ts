// Tests for the fake Dixa REST server, over real HTTP on loopback.

import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DixaAddedMessage, DixaConversation, DixaMessage, DixaNote, DixaSearchHit, DixaTag } from '../src/demo/fake-dixa/wire.js';
import {
  ATTRIBUTE_CONTACT_REASON,
  ATTRIBUTE_ORDER_NUMBER,
  SUPPORT_EMAIL,
  SMS_NUMBER,
  emptyWorld,
  findConversation,
  findConversations,
  seedWorld,
  startFakeDixa,
  type FakeChange,
  type FakeDixa,
  type FakeWorld,
} from '../src/demo/fake-dixa/index.js';

const TOKEN = 'token-a';
const OTHER_TOKEN = 'token-b';

let dixa: FakeDixa;
let world: FakeWorld;
let changes: FakeChange[] = [];

interface Answer<T = any> {
  status: number;
  body: T;
  text: string;
  contentType: string | null;
}

async function call<T = any>(method: string, path: string, body?: unknown, token: string | null = TOKEN, rawBody?: string): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.Authorization = token;
  if (body !== undefined || rawBody !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(new URL(path, dixa.url), { method, headers, body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const text = await res.text();
  return { status: res.status, text, body: text ? (JSON.parse(text) as T) : (undefined as T), contentType: res.headers.get('content-type') };
}

const get = <T = any>(path: string, token?: string | null) => call<T>('GET', path, undefined, token);

function agentIds(w: FakeWorld = world): string[] {
  return [...w.agents.keys()];
}

function condition(field: string, operator: string, extra: Record<string, unknown> = {}) {
  return { field: { _type: field, operator: { _type: operator, ...extra } } };
}

async function searchAll(body: unknown, pageLimit = 50): Promise<number[]> {
  const ids: number[] = [];
  let next: string | undefined = `/v1/search/conversations?pageLimit=${pageLimit}`;
  while (next) {
    const res: Answer = await call('POST', next, body);
    expect(res.status).toBe(200);
    ids.push(...(res.body.data as DixaSearchHit[]).map((h) => h.id));
    next = res.body.meta?.next;
  }
  return ids;
}

beforeAll(async () => {
  world = seedWorld();
  const other = emptyWorld('Other Org');
  dixa = await startFakeDixa({ tenants: [{ token: TOKEN, world }, { token: OTHER_TOKEN, world: other }] });
  dixa.changes.on('change', (c: FakeChange) => changes.push(c));
});

afterAll(async () => {
  await dixa.close();
});

beforeEach(() => {
  changes = [];
});

describe('transport', () => {
  it('wraps successes in {data} with a JSON content type', async () => {
    const res = await get('/v1/organization');
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.body).toEqual({ data: world.organization });
  });

  it('serves the same handlers under /v1 and /beta', async () => {
    const id = [...world.conversations.keys()][0] as number;
    const v1 = await get(`/v1/conversations/${id}`);
    const beta = await get(`/beta/conversations/${id}`);
    expect(v1.status).toBe(200);
    expect(beta.body).toEqual(v1.body);
    expect(v1.body.data.id).toBe(id);
  });

  it('accepts the raw token and the Bearer form', async () => {
    expect((await get('/v1/organization', `Bearer ${TOKEN}`)).status).toBe(200);
  });

  it('answers 401 for a missing or unknown token', async () => {
    const missing = await get('/v1/organization', null);
    const unknown = await get('/v1/organization', 'nope');
    for (const res of [missing, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: 'User is unauthorized to perform an underlying operation' });
    }
  });

  it('keeps tenants apart', async () => {
    const id = [...world.conversations.keys()][0] as number;
    expect((await get(`/v1/conversations/${id}`, OTHER_TOKEN)).status).toBe(404);
    const org = await get('/v1/organization', OTHER_TOKEN);
    expect(org.body.data.name).toBe('Other Org');
    expect(dixa.world(OTHER_TOKEN).conversations.size).toBe(0);
  });

  it('answers 404 with Dixa’s body for unknown paths and ids', async () => {
    for (const path of ['/v1/nothing-here', '/v2/organization', '/v1/conversations/999999999']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ message: 'The requested resource could not be found' });
    }
  });

  it('answers 400 for a non-integer conversation id and a non-uuid user id', async () => {
    expect((await get('/v1/conversations/abc')).status).toBe(400);
    expect((await get('/v1/conversations/12.5/messages')).status).toBe(400);
    const res = await get('/v1/endusers/not-a-uuid');
    expect(res.status).toBe(400);
    expect(typeof res.body.message).toBe('string');
  });

  it('answers 400 "Decoding failure in request" for invalid JSON and a missing _type', async () => {
    const id = findConversation(world, (c) => c.channel === 'Email').id;
    const noType = await call('POST', `/v1/conversations/${id}/messages`, { content: { _type: 'Text', value: 'hi' } });
    expect(noType.status).toBe(400);
    expect(noType.body).toEqual({ message: 'Decoding failure in request' });
    const broken = await call('POST', `/v1/conversations/${id}/messages`, undefined, TOKEN, '{not json');
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ message: 'Decoding failure in request' });
  });

  it('records every request, rejected ones included', async () => {
    dixa.clearRequests();
    const before = Date.now();
    await get('/v1/agents?pageLimit=2', `Bearer ${TOKEN}`);
    await get('/v1/organization', null);
    await call('POST', '/beta/search/conversations?pageLimit=5', { query: { value: 'refund' } });
    expect(dixa.requests).toHaveLength(3);
    const [agents, unauthorized, search] = dixa.requests;
    expect(agents).toMatchObject({ method: 'GET', path: '/v1/agents', query: { pageLimit: '2' }, token: TOKEN, status: 200, body: undefined });
    expect(agents?.at).toBeGreaterThanOrEqual(before);
    expect(unauthorized).toMatchObject({ path: '/v1/organization', token: undefined, status: 401 });
    expect(search).toMatchObject({ method: 'POST', path: '/beta/search/conversations', body: { query: { value: 'refund' } }, status: 200 });
  });
});

describe('read routes', () => {
  it('paginates /agents following meta.next verbatim', async () => {
    const first = await get('/v1/agents?pageLimit=3');
    expect(first.body.data).toHaveLength(3);
    expect(first.body.meta.next).toMatch(/^\/v1\/agents\?pageKey=/);
    const seen: string[] = [];
    let next: string | undefined = '/v1/agents?pageLimit=3';
    let pages = 0;
    while (next) {
      const res: Answer = await get(next);
      seen.push(...res.body.data.map((a: { id: string }) => a.id));
      next = res.body.meta?.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(agentIds());
    const beta = await get('/beta/agents?pageLimit=3');
    expect(beta.body.meta.next).toMatch(/^\/beta\/agents\?/);
  });

  it('filters agents and end users; one filter at most', async () => {
    const agent = [...world.agents.values()][2]!;
    const byEmail = await get(`/v1/agents?email=${encodeURIComponent(agent.email.toUpperCase())}`);
    expect(byEmail.body.data.map((a: { id: string }) => a.id)).toEqual([agent.id]);

    const user = [...world.endUsers.values()].find((u) => u.email && u.externalId && u.customAttributes?.length)!;
    const users = await get(`/v1/endusers?email=${encodeURIComponent(user.email!.toUpperCase())}`);
    expect(users.body.data).toHaveLength(1);
    expect(users.body.data[0].id).toBe(user.id);
    expect(users.body.data[0]).not.toHaveProperty('customAttributes');
    const byExternal = await get(`/v1/endusers?externalId=${encodeURIComponent(user.externalId!)}`);
    expect(byExternal.body.data[0].id).toBe(user.id);
    expect((await get(`/v1/endusers?email=a@b.c&externalId=x`)).status).toBe(400);

    const one = await get(`/v1/endusers/${user.id}`);
    expect(one.body.data.customAttributes.length).toBeGreaterThan(0);
  });

  it('keeps filters in meta.next for end users', async () => {
    const res = await get('/v1/endusers?pageLimit=10');
    expect(res.body.data).toHaveLength(10);
    expect(res.body.meta.next).toMatch(/^\/v1\/endusers\?pageKey=/);
    for (let i = 0; i < 2; i++) expect((await call('POST', '/v1/endusers', { displayName: `Twin ${i}`, email: 'twins@example.com' })).status).toBe(201);
    const first = await get('/beta/endusers?email=twins@example.com&pageLimit=1');
    expect(first.body.meta.next).toMatch(/^\/beta\/endusers\?email=twins%40example\.com&pageKey=/);
    const second = await get(first.body.meta.next);
    expect(second.body.data[0].displayName).toBe('Twin 1');
    expect(second.body.meta.next).toBeUndefined();
  });

  it('lists an end user’s conversations without custom attributes', async () => {
    const conversation = findConversation(world, (c) => (c.customAttributes?.length ?? 0) > 0);
    const res = await get(`/v1/endusers/${conversation.requesterId}/conversations`);
    expect(res.status).toBe(200);
    const ids = res.body.data.map((c: DixaConversation) => c.id);
    expect(ids).toContain(conversation.id);
    for (const c of res.body.data) expect(c).not.toHaveProperty('customAttributes');
  });

  it('returns messages oldest first, notes, and tag objects', async () => {
    const conversation = findConversation(world, (c) => (world.notes.get(c.id)?.length ?? 0) > 0 && (world.conversationTags.get(c.id)?.length ?? 0) > 0);
    const messages = await get<{ data: DixaMessage[] }>(`/v1/conversations/${conversation.id}/messages`);
    expect(messages.body.data).toEqual(world.messages.get(conversation.id));
    const notes = await get<{ data: DixaNote[] }>(`/v1/conversations/${conversation.id}/notes`);
    expect(notes.body.data).toEqual(world.notes.get(conversation.id));
    const tags = await get<{ data: DixaTag[] }>(`/v1/conversations/${conversation.id}/tags`);
    expect(tags.body.data.map((t) => t.id)).toEqual(world.conversationTags.get(conversation.id));
    expect(tags.body.data[0]).toHaveProperty('name');
  });

  it('lists tags without inactive ones unless asked', async () => {
    const active = await get<{ data: DixaTag[] }>('/v1/tags');
    const all = await get<{ data: DixaTag[] }>('/v1/tags?includeDeactivated=true');
    expect(active.body.data.every((t) => t.state === 'Active')).toBe(true);
    expect(all.body.data.some((t) => t.state === 'Inactive')).toBe(true);
    expect(all.body.data.length).toBe(world.tags.size);
    const inactive = all.body.data.find((t) => t.state === 'Inactive')!;
    expect((await get(`/v1/tags/${inactive.id}`)).body.data).toEqual(inactive);
  });

  it('serves queues, agents by id and custom-attribute definitions', async () => {
    const queues = await get('/v1/queues');
    expect(queues.body.data).toHaveLength(world.queues.size);
    const queue = queues.body.data[0];
    expect((await get(`/v1/queues/${queue.id}`)).body.data).toEqual(queue);
    const agentId = agentIds()[0]!;
    expect((await get(`/v1/agents/${agentId}`)).body.data.id).toBe(agentId);
    const attributes = await get('/v1/custom-attributes');
    expect(attributes.body.data.map((a: { identifier: string }) => a.identifier)).toContain(ATTRIBUTE_CONTACT_REASON);
  });
});

describe('search', () => {
  it('pages through every hit, newest first, posting the body again to meta.next', async () => {
    const ids = await searchAll({}, 7);
    expect(ids).toHaveLength(world.conversations.size);
    const createdAt = ids.map((id) => Date.parse(world.conversations.get(id)!.createdAt));
    expect([...createdAt].sort((a, b) => b - a)).toEqual(createdAt);
    const first = await call('POST', '/v1/search/conversations?pageLimit=7', {});
    expect(first.body.meta.next).toMatch(/^\/v1\/search\/conversations\?pageKey=/);
    expect(Object.keys(first.body.data[0]).sort()).toEqual(['highlights', 'id']);
  });

  it('rejects pageLimit over 50', async () => {
    expect((await call('POST', '/v1/search/conversations?pageLimit=51', {})).status).toBe(400);
  });

  it('filters by channel, status and direction in search spelling', async () => {
    const emailsOpen = await searchAll({
      filters: { strategy: 'All', conditions: [condition('Channel', 'IsOneOf', { values: ['email', 'chat'] }), condition('Status', 'IsOneOf', { values: ['open'] })] },
    });
    const expected = findConversations(world, (c) => ['Email', 'WidgetChat'].includes(c.channel) && (c.state === 'Open' || c.state === 'AwaitingPending')).map((c) => c.id);
    expect(emailsOpen.sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(0);

    const outbound = await searchAll({ filters: { strategy: 'All', conditions: [condition('Direction', 'IsOneOf', { values: ['outbound'] })] } });
    expect(outbound.sort()).toEqual(findConversations(world, (c) => c.direction === 'Outbound').map((c) => c.id).sort());

    const anyOf = await searchAll({
      filters: { strategy: 'Any', conditions: [condition('Channel', 'IsOneOf', { values: ['sms'] }), condition('Status', 'IsOneOf', { values: ['pending'] })] },
    });
    expect(anyOf.sort()).toEqual(findConversations(world, (c) => c.channel === 'Sms' || c.state === 'Pending').map((c) => c.id).sort());
  });

  it('filters by tag and by unassigned agent', async () => {
    const tagId = [...world.tags.values()].find((t) => t.name === 'shipping')!.id;
    const tagged = await searchAll({ filters: { strategy: 'All', conditions: [condition('TagId', 'IncludesOne', { values: [tagId] })] } });
    const expected = findConversations(world, (c) => (world.conversationTags.get(c.id) ?? []).includes(tagId)).map((c) => c.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(tagged.sort()).toEqual(expected.sort());

    const untagged = await searchAll({ filters: { strategy: 'All', conditions: [condition('TagId', 'IsEmpty')] } });
    expect(untagged.sort()).toEqual(findConversations(world, (c) => (world.conversationTags.get(c.id) ?? []).length === 0).map((c) => c.id).sort());

    const unassigned = await searchAll({ filters: { strategy: 'All', conditions: [condition('AgentId', 'IsEmpty')] } });
    expect(unassigned.sort()).toEqual(findConversations(world, (c) => !c.assignment).map((c) => c.id).sort());
  });

  it('filters by creation date', async () => {
    const sorted = findConversations(world, () => true);
    const pivot = sorted[10]!.createdAt;
    const since = await searchAll({ filters: { strategy: 'All', conditions: [condition('CreationDate', 'Since', { timestamp: pivot })] } });
    expect(since.sort()).toEqual(sorted.filter((c) => Date.parse(c.createdAt) >= Date.parse(pivot)).map((c) => c.id).sort());
  });

  it('matches text in subjects and messages, case-insensitively, with highlights', async () => {
    const res = await call('POST', '/v1/search/conversations', { query: { value: 'REFUND' } });
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    for (const hit of res.body.data as DixaSearchHit[]) {
      const c = world.conversations.get(hit.id)!;
      const texts = JSON.stringify([c.subject, world.messages.get(c.id)]).toLowerCase();
      expect(texts).toContain('refund');
      expect(JSON.stringify(hit.highlights)).toContain('<em class=\\"highlight\\">');
    }
    const none = await call('POST', '/v1/search/conversations', { query: { value: 'xylophone quantum', exactMatch: true } });
    expect(none.body.data).toEqual([]);
  });

  it('rejects unknown fields and operators', async () => {
    const badField = await call('POST', '/v1/search/conversations', { filters: { strategy: 'All', conditions: [condition('Mood', 'IsOneOf', { values: ['x'] })] } });
    expect(badField.status).toBe(400);
    const badOperator = await call('POST', '/v1/search/conversations', { filters: { strategy: 'All', conditions: [condition('Channel', 'Contains', { values: ['email'] })] } });
    expect(badOperator.status).toBe(400);
    const badChannel = await call('POST', '/v1/search/conversations', { filters: { strategy: 'All', conditions: [condition('Channel', 'IsOneOf', { values: ['Email'] })] } });
    expect(badChannel.status).toBe(400);
  });
});

describe('write routes', () => {
  const requester = (): string => [...world.endUsers.values()].find((u) => u.email && u.phoneNumber)!.id;

  it('creates an email conversation with its first message', async () => {
    const before = world.nextConversationId;
    const res = await call('POST', '/v1/conversations', {
      _type: 'Email',
      requesterId: requester(),
      emailIntegrationId: SUPPORT_EMAIL,
      subject: 'Lost parcel',
      message: { _type: 'Inbound', content: { _type: 'Text', value: 'My parcel never arrived.' }, attachments: [] },
      language: 'en',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ data: { id: before } });
    const conversation = (await get(`/v1/conversations/${before}`)).body.data as DixaConversation;
    expect(conversation).toMatchObject({ _type: 'EmailConversation', channel: 'Email', state: 'Open', direction: 'Inbound', subject: 'Lost parcel', integrationEmail: SUPPORT_EMAIL });
    const messages = world.messages.get(before)!;
    expect(messages).toHaveLength(1);
    expect(messages[0]!.attributes).toMatchObject({ _type: 'EmailAttributes', emailContent: { _type: 'Regular', content: { value: 'My parcel never arrived.' } } });
    expect(changes.map((c) => c.kind)).toEqual(['ConversationCreated', 'ConversationMessageAdded']);
    expect(changes[0]).toMatchObject({ token: TOKEN, conversationId: before });
  });

  it('creates chat and outbound SMS conversations; rejects bad ones', async () => {
    const chat = await call('POST', '/v1/conversations', {
      _type: 'Chat', requesterId: requester(), widgetId: '5a4b6c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d',
      message: { _type: 'Inbound', content: { _type: 'Text', value: 'Hi, where is my parcel?' } }, browserInfo: { name: 'Chrome', version: '91' },
    });
    expect(chat.status).toBe(201);
    expect(world.conversations.get(chat.body.data.id)).toMatchObject({ _type: 'ChatConversation', channel: 'WidgetChat' });

    const agentId = agentIds()[1]!;
    const sms = await call('POST', '/v1/conversations', {
      _type: 'Sms', requesterId: requester(), contactEndpointId: SMS_NUMBER,
      message: { _type: 'Outbound', agentId, content: { _type: 'Text', value: 'Your parcel ships today.' } },
    });
    expect(sms.status).toBe(201);
    expect(world.conversations.get(sms.body.data.id)).toMatchObject({ _type: 'SmsConversation', direction: 'Outbound', assignment: { agentId } });
    expect(world.messages.get(sms.body.data.id)![0]).toMatchObject({ authorId: agentId, attributes: { _type: 'SmsAttributes' } });

    const inboundSms = await call('POST', '/v1/conversations', { _type: 'Sms', requesterId: requester(), contactEndpointId: SMS_NUMBER, message: { _type: 'Inbound', content: { _type: 'Text', value: 'x' } } });
    expect(inboundSms.status).toBe(400);
    const unknownUser = await call('POST', '/v1/conversations', { _type: 'Email', requesterId: '5a4b6c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d', emailIntegrationId: SUPPORT_EMAIL, subject: 's', message: { _type: 'Inbound', content: { _type: 'Text', value: 'x' } } });
    expect(unknownUser.body).toEqual({ message: 'User not found' });
    const whatsapp = await call('POST', '/v1/conversations', { _type: 'WhatsApp', requesterId: requester(), message: { _type: 'Outbound', agentId, content: { _type: 'Text', value: 'x' } } });
    expect(whatsapp.body).toEqual({ message: 'Unsupported ConversationChannel' });
    const missingSubject = await call('POST', '/v1/conversations', { _type: 'Email', requesterId: requester(), emailIntegrationId: SUPPORT_EMAIL, message: { _type: 'Inbound', content: { _type: 'Text', value: 'x' } } });
    expect(missingSubject.status).toBe(400);
  });

  it('adds messages with channel attributes and rejects a duplicate externalId', async () => {
    const conversation = findConversation(world, (c) => c.channel === 'Email' && c.state === 'Closed');
    const agentId = agentIds()[2]!;
    const body = { _type: 'Outbound', agentId, content: { _type: 'Html', value: '<p>Refund issued.</p>' }, externalId: 'gw-test-1', cc: ['cc@example.com'], bcc: [], attachments: [{ url: 'https://example.com/files/invoice.pdf', prettyName: 'invoice.pdf' }] };
    const res = await call<{ data: DixaAddedMessage }>('POST', `/v1/conversations/${conversation.id}/messages`, body);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ authorId: agentId, direction: 'Outbound', content: body.content, externalId: 'gw-test-1' });
    const stored = world.messages.get(conversation.id)!.at(-1)!;
    expect(stored.id).toBe(res.body.data.messageId);
    expect(stored.createdAt).toMatch(/Z\[GMT\]$/);
    expect(stored.attributes).toMatchObject({ _type: 'EmailAttributes', cc: [{ email: 'cc@example.com' }], direction: 'Outbound', attachments: [{ prettyName: 'invoice.pdf' }] });
    expect(changes).toEqual([{ kind: 'ConversationMessageAdded', token: TOKEN, conversationId: conversation.id, messageId: res.body.data.messageId }]);

    const duplicate = await call('POST', `/v1/conversations/${conversation.id}/messages`, body);
    expect(duplicate.status).toBe(400);
    expect(duplicate.body).toEqual({ message: 'Duplicate externalId' });

    const inbound = await call<{ data: DixaAddedMessage }>('POST', `/v1/conversations/${conversation.id}/messages`, { _type: 'Inbound', content: { _type: 'Text', value: 'Thanks!' } });
    expect(inbound.body.data.authorId).toBe(conversation.requesterId);

    const unknownAgent = await call('POST', `/v1/conversations/${conversation.id}/messages`, { ...body, externalId: undefined, agentId: '5a4b6c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d' });
    expect(unknownAgent.body).toEqual({ message: 'User not found' });
  });

  it('stores chat messages as ChatAttributes and refuses inbound SMS', async () => {
    const chat = findConversation(world, (c) => c.channel === 'WidgetChat');
    const res = await call('POST', `/v1/conversations/${chat.id}/messages`, { _type: 'Outbound', agentId: agentIds()[0], content: { _type: 'Text', value: 'On it!' } });
    expect(res.status).toBe(200);
    expect(world.messages.get(chat.id)!.at(-1)!.attributes).toMatchObject({ _type: 'ChatAttributes', isAutomated: false, direction: 'Outbound' });
    const sms = findConversation(world, (c) => c.channel === 'Sms');
    const inbound = await call('POST', `/v1/conversations/${sms.id}/messages`, { _type: 'Inbound', content: { _type: 'Text', value: 'x' } });
    expect(inbound.status).toBe(400);
    const phone = findConversation(world, (c) => c.channel === 'PstnPhone');
    const unsupported = await call('POST', `/v1/conversations/${phone.id}/messages`, { _type: 'Outbound', agentId: agentIds()[0], content: { _type: 'Text', value: 'x' } });
    expect(unsupported.body).toEqual({ message: 'Unsupported ConversationChannel' });
  });

  it('adds notes', async () => {
    const conversation = findConversation(world, (c) => c.channel === 'ContactForm');
    const agentId = agentIds()[3]!;
    const res = await call<{ data: DixaNote }>('POST', `/v1/conversations/${conversation.id}/notes`, { message: 'Called the carrier.', agentId });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ authorId: agentId, csid: conversation.id, message: 'Called the carrier.' });
    expect(world.notes.get(conversation.id)!.at(-1)).toEqual(res.body.data);
    expect(changes).toEqual([{ kind: 'ConversationNoteAdded', token: TOKEN, conversationId: conversation.id, noteId: res.body.data.id }]);
    const withDate = await call('POST', `/v1/conversations/${conversation.id}/notes`, { message: 'x', createdAt: '2021-12-01T12:46:36.581Z[GMT]' });
    expect(withDate.body.data.createdAt).toBe('2021-12-01T12:46:36.581Z[GMT]');
    expect((await call('POST', `/v1/conversations/${conversation.id}/notes`, { message: 'x', createdAt: 'yesterday' })).status).toBe(400);
    expect((await call('POST', `/v1/conversations/${conversation.id}/notes`, { agentId })).status).toBe(400);
  });

  it('closes, reopens and follows up with 204 and no body', async () => {
    const conversation = findConversation(world, (c) => c.state === 'Open' && c.channel === 'Email');
    const closed = await call('PUT', `/v1/conversations/${conversation.id}/close`, { userId: agentIds()[0] });
    expect(closed.status).toBe(204);
    expect(closed.text).toBe('');
    expect(world.conversations.get(conversation.id)!.state).toBe('Closed');
    expect((await call('PUT', `/v1/conversations/${conversation.id}/reopen`)).status).toBe(204);
    expect(world.conversations.get(conversation.id)!.state).toBe('Open');
    expect((await call('PUT', `/v1/conversations/${conversation.id}/followup`, { timestamp: '2030-01-08T08:31:25Z' })).status).toBe(204);
    expect(world.conversations.get(conversation.id)!.state).toBe('Pending');
    expect(changes.map((c) => c.kind)).toEqual(['ConversationClosed', 'ConversationOpen', 'ConversationPending']);
    expect((await call('PUT', `/v1/conversations/${conversation.id}/followup`, {})).status).toBe(400);
    expect((await call('PUT', '/v1/conversations/999999999/close')).status).toBe(404);
  });

  it('claims (409 when someone else holds it, unless forced) and transfers', async () => {
    const conversation = findConversation(world, (c) => !!c.assignment);
    const holder = conversation.assignment!.agentId;
    const other = agentIds().find((id) => id !== holder)!;
    const refused = await call('PUT', `/v1/conversations/${conversation.id}/claim`, { agentId: other, force: false });
    expect(refused.status).toBe(409);
    expect(typeof refused.body.message).toBe('string');
    const forced = await call('PUT', `/v1/conversations/${conversation.id}/claim`, { agentId: other, force: true });
    expect(forced.status).toBe(204);
    expect(world.conversations.get(conversation.id)!.assignment?.agentId).toBe(other);

    const queueId = [...world.queues.keys()].at(-1)!;
    expect((await call('PUT', `/v1/conversations/${conversation.id}/transfer/queue`, { queueId })).status).toBe(204);
    expect(world.conversations.get(conversation.id)!.queue?.id).toBe(queueId);
    const missing = await call('PUT', `/v1/conversations/${conversation.id}/transfer/queue`, { queueId: '5a4b6c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d' });
    expect(missing.body).toEqual({ message: 'Queue does not exist' });
    expect(changes.map((c) => c.kind)).toEqual(['ConversationAssigned', 'ConversationTransferred']);
  });

  it('tags and untags with active tags only', async () => {
    const conversation = findConversation(world, (c) => (world.conversationTags.get(c.id) ?? []).length === 0);
    const tag = [...world.tags.values()].find((t) => t.state === 'Active')!;
    const inactive = [...world.tags.values()].find((t) => t.state === 'Inactive')!;
    const put = await call('PUT', `/v1/conversations/${conversation.id}/tags/${tag.id}`);
    expect(put.status).toBe(204);
    expect(put.text).toBe('');
    expect(world.conversationTags.get(conversation.id)).toEqual([tag.id]);
    expect((await call('PUT', `/v1/conversations/${conversation.id}/tags/${inactive.id}`)).status).toBe(400);
    expect((await call('DELETE', `/v1/conversations/${conversation.id}/tags/${tag.id}`)).status).toBe(204);
    expect(world.conversationTags.get(conversation.id)).toEqual([]);
    expect(changes).toEqual([
      { kind: 'ConversationTagAdded', token: TOKEN, conversationId: conversation.id, tagName: tag.name },
      { kind: 'ConversationTagRemoved', token: TOKEN, conversationId: conversation.id, tagName: tag.name },
    ]);
  });

  it('creates tags idempotently by name', async () => {
    const created = await call<{ data: DixaTag }>('POST', '/v1/tags', { name: 'gateway-test', color: '#000000' });
    expect(created.status).toBe(200);
    expect(created.body.data).toMatchObject({ name: 'gateway-test', color: '#000000', state: 'Active' });
    const again = await call<{ data: DixaTag }>('POST', '/v1/tags', { name: 'gateway-test', color: '#ffffff' });
    expect(again.body.data).toEqual(created.body.data);
    expect((await call('POST', '/v1/tags', { color: '#000' })).status).toBe(400);
  });

  it('patches conversation custom attributes by uuid', async () => {
    const conversation = findConversation(world, (c) => (c.customAttributes ?? []).length === 0);
    const defs = [...world.customAttributeDefinitions.values()];
    const orderNumber = defs.find((d) => d.identifier === ATTRIBUTE_ORDER_NUMBER)!;
    const reason = defs.find((d) => d.identifier === ATTRIBUTE_CONTACT_REASON)!;
    const res = await call('PATCH', `/v1/conversations/${conversation.id}/custom-attributes`, { [orderNumber.id]: '012345', [reason.id]: ['payment', 'refund'] });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      { id: orderNumber.id, name: orderNumber.label, identifier: ATTRIBUTE_ORDER_NUMBER, value: '012345' },
      { id: reason.id, name: reason.label, identifier: ATTRIBUTE_CONTACT_REASON, value: ['payment', 'refund'] },
    ]);
    expect((await get(`/v1/conversations/${conversation.id}`)).body.data.customAttributes).toEqual(res.body.data);
    expect(changes.map((c) => c.kind)).toEqual(['ConversationCustomAttributeUpdated']);
    const bad = await call('PATCH', `/v1/conversations/${conversation.id}/custom-attributes`, { [reason.id]: ['no-such-option'] });
    expect(bad.status).toBe(400);
  });

  it('creates end users', async () => {
    const res = await call('POST', '/v1/endusers', { displayName: 'Alice Brown', email: 'alice@brown.example', phoneNumber: '+551155256325', externalId: '#12345678' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ displayName: 'Alice Brown', email: 'alice@brown.example', externalId: '#12345678' });
    expect(world.endUsers.get(res.body.data.id)).toEqual(res.body.data);
    expect((await call('POST', '/v1/endusers', { email: 'not-an-email' })).status).toBe(400);
  });
});

describe('rate limit and latency', () => {
  it('allows the burst, then answers 429 and counts it', async () => {
    const limited = await startFakeDixa({ tenants: [{ token: TOKEN, world: emptyWorld() }], rateLimit: { perSecond: 1, burst: 4 } });
    try {
      const statuses: number[] = [];
      let body: unknown;
      let retryAfter: string | null = 'unset';
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${limited.url}/v1/organization`, { headers: { Authorization: TOKEN } });
        statuses.push(res.status);
        if (res.status === 429) {
          body = await res.json();
          retryAfter = res.headers.get('retry-after');
        } else await res.text();
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      expect(body).toEqual({ message: 'Too Many Requests' });
      expect(retryAfter).toBeNull();
      expect(limited.stats.tooManyRequests).toBe(2);
      expect(limited.requests.map((r) => r.status)).toEqual(statuses);
      // Another token has its own bucket.
      expect((await fetch(`${limited.url}/v1/organization`, { headers: { Authorization: 'other' } })).status).toBe(401);
    } finally {
      await limited.close();
    }
  });

  it('delays responses by latencyMs (and a fault by its delayMs)', async () => {
    // The waits are observed through the injected sleep, not measured on the clock: the
    // answer is held until the test releases the wait it asked for.
    const waits: { ms: number; release: () => void }[] = [];
    const asked: number[] = [];
    const sleep = (ms: number) => {
      asked.push(ms);
      return new Promise<void>((release) => waits.push({ ms, release }));
    };
    const slow = await startFakeDixa({ tenants: [{ token: TOKEN, world: emptyWorld() }], latencyMs: 60, sleep });
    const nextWait = async () => {
      await vi.waitFor(() => expect(waits.length).toBeGreaterThan(0));
      return waits.shift()!;
    };
    try {
      let answered = false;
      const pending = fetch(`${slow.url}/v1/organization`, { headers: { Authorization: TOKEN } }).then((res) => {
        answered = true;
        return res;
      });
      const latency = await nextWait();
      expect(latency.ms).toBe(60);
      // Handled and recorded, but not answered while the wait lasts.
      expect(slow.requests.map((r) => r.status)).toEqual([200]);
      expect(answered).toBe(false);
      latency.release();
      expect((await pending).status).toBe(200);

      slow.faults.add({ path: '/organization', delayMs: 250 });
      const delayed = fetch(`${slow.url}/v1/organization`, { headers: { Authorization: TOKEN } });
      (await nextWait()).release();
      const fault = await nextWait();
      expect(fault.ms).toBe(250);
      expect(slow.faults.pending).toBe(0);
      fault.release();
      expect((await delayed).status).toBe(200);
      expect(asked).toEqual([60, 60, 250]);
    } finally {
      await slow.close();
    }
  });

  it('starts with the default demo tenant', async () => {
    const demo = await startFakeDixa();
    try {
      expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${demo.url}/v1/organization`, { headers: { Authorization: 'demo-token' } });
      expect(res.status).toBe(200);
      expect(demo.world('demo-token').conversations.size).toBe(60);
    } finally {
      await demo.close();
    }
  });
});

describe('seed', () => {
  const fresh = seedWorld();
  const allMessages = [...fresh.messages.values()].flat();
  const attributes = allMessages.map((m) => m.attributes);

  it('is deterministic per seed', () => {
    expect(seedWorld()).toEqual(fresh);
    const other = seedWorld({ seed: 2 });
    expect([...other.agents.keys()]).not.toEqual([...fresh.agents.keys()]);
  });

  it('has the default sizes and scales up', () => {
    expect(fresh.conversations.size).toBe(60);
    expect(fresh.endUsers.size).toBe(25);
    expect(fresh.agents.size).toBe(8);
    expect(fresh.queues.size).toBe(3);
    expect(fresh.tags.size).toBe(10);
    const big = seedWorld({ conversations: 500, customers: 150, agents: 20 });
    expect(big.conversations.size).toBe(500);
    expect(new Set([...big.endUsers.values()].map((u) => u.email).filter(Boolean)).size).toBe([...big.endUsers.values()].filter((u) => u.email).length);
  });

  it('covers every message-attributes variant', () => {
    const types = new Set(attributes.map((a) => a._type));
    for (const t of ['EmailAttributes', 'ContactFormAttributes', 'ChatAttributes', 'SmsAttributes', 'WhatsAppAttributes', 'FacebookMessengerAttributes', 'TwitterAttributes', 'GenericAttributes', 'MessengerFormAttributes', 'PhoneAttributes', 'CallRecordingAttributes', 'TranscriptAttributes']) {
      expect(types, t).toContain(t);
    }
    const email = attributes.filter((a) => a._type === 'EmailAttributes');
    expect(email.some((a) => a.emailContent?._type === 'TooLarge')).toBe(true);
    expect(email.some((a) => a.emailContent?._type === 'Regular' && a.emailContent.content._type === 'Html')).toBe(true);
    expect(email.some((a) => a.emailContent?._type === 'Regular' && a.emailContent.content._type === 'Text')).toBe(true);
    expect(email.some((a) => a.isAutoReply)).toBe(true);
    expect(email.some((a) => (a.cc?.length ?? 0) > 0 && (a.bcc?.length ?? 0) > 0)).toBe(true);
    expect(email.some((a) => (a.attachments?.length ?? 0) > 0)).toBe(true);
    expect(attributes.some((a) => a._type === 'ChatAttributes' && a.isAutomated)).toBe(true);
    expect(allMessages.some((m) => m.externalId)).toBe(true);
  });

  it('covers every state, direction and conversation kind', () => {
    const conversations = [...fresh.conversations.values()];
    expect(new Set(conversations.map((c) => c.state))).toEqual(new Set(['Open', 'Pending', 'AwaitingPending', 'Closed']));
    expect(new Set(conversations.map((c) => c.direction))).toEqual(new Set(['Inbound', 'Outbound']));
    const channels = new Set(conversations.map((c) => c.channel));
    for (const ch of ['Email', 'ContactForm', 'WidgetChat', 'Sms', 'WhatsApp', 'FacebookMessenger', 'Messenger', 'PstnPhone', 'Trustpilot']) expect(channels).toContain(ch);
    expect(conversations.find((c) => c.channel === 'Trustpilot')?._type).toBe('GenericConversation');
    expect(conversations.some((c) => !c.assignment)).toBe(true);
    expect(conversations.some((c) => !c.queue)).toBe(true);
    expect(Math.min(...conversations.map((c) => c.id))).toBeGreaterThanOrEqual(1000);
    const email = conversations.find((c) => c.channel === 'Email')!;
    expect(email).toMatchObject({ integrationEmail: SUPPORT_EMAIL, toEmail: SUPPORT_EMAIL });
    expect(email.fromEmail).toContain('@');
    expect(email.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    for (const [id, list] of fresh.messages) {
      expect(list.length, `conversation ${id}`).toBeGreaterThanOrEqual(1);
      expect(list.length, `conversation ${id}`).toBeLessThanOrEqual(6);
    }
  });

  it('authors inbound messages by the requester and outbound ones by agents', () => {
    for (const [id, list] of fresh.messages) {
      const conversation = fresh.conversations.get(id)!;
      for (const m of list) {
        const direction = (m.attributes as { direction?: string }).direction;
        if (direction === 'Inbound') expect(m.authorId).toBe(conversation.requesterId);
        if (direction === 'Outbound') expect(fresh.agents.has(m.authorId)).toBe(true);
        expect(m.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\[GMT\]$/);
      }
    }
  });

  it('has tags, notes (both timestamp forms), custom attributes and an inactive tag', () => {
    const notes = [...fresh.notes.values()].flat();
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.some((n) => n.createdAt.endsWith('[GMT]'))).toBe(true);
    expect(notes.some((n) => /Z$/.test(n.createdAt))).toBe(true);
    expect(notes.every((n) => fresh.agents.has(n.authorId!))).toBe(true);
    expect([...fresh.conversationTags.values()].some((ids) => ids.length > 0)).toBe(true);
    expect([...fresh.tags.values()].some((t) => t.state === 'Inactive')).toBe(true);
    expect([...fresh.tags.values()].some((t) => t.color)).toBe(true);
    const values = [...fresh.conversations.values()].flatMap((c) => c.customAttributes ?? []).map((a) => a.value);
    expect(values.some((v) => typeof v === 'string')).toBe(true);
    expect(values.some((v) => Array.isArray(v))).toBe(true);
    const users = [...fresh.endUsers.values()];
    expect(users.some((u) => u.externalId)).toBe(true);
    expect(users.some((u) => (u.customAttributes ?? []).length > 0)).toBe(true);
    expect(new Set([...fresh.agents.values()].flatMap((a) => a.roles ?? []))).toEqual(new Set(['Agent', 'Admin']));
  });
});

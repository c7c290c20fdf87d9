// Every Query field against the fake Dixa, over real HTTP through the gateway: the data,
// the Dixa calls made and the error codes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findConversation, findConversationWithAttributes, type FakeWorld } from '../src/demo/fake-dixa/index.js';
import { TOKEN, route, startHarness, type Harness } from './support/harness.js';

let h: Harness;
let world: FakeWorld;

beforeAll(async () => {
  h = await startHarness();
  world = h.fake.world(TOKEN);
});
afterAll(() => h.close());
beforeEach(() => {
  h.gateway.datasource.cache.clear();
  h.resetCalls();
});

const CONVERSATION = /* GraphQL */ `
  query One($id: ID!) {
    conversation(id: $id) {
      id channel rawChannel state direction subject language createdAt stateUpdatedAt assignedAt replyable
      customer { id email displayName }
      assignee { id displayName email roles }
      queue { id name }
      customAttributes { id identifier name value }
      tags { id name color active }
      notes { id conversationId message createdAt author { id } }
      messages { id conversationId createdAt direction authorId text html isAutomated externalId
        attachments { url name }
        email { from { email name } to { email } cc { email } bcc { email } isAutoReply }
        author { __typename ... on Agent { id } ... on Customer { id } } }
    }
  }`;

describe('conversation', () => {
  it('maps an email conversation with its relations', async () => {
    const c = findConversation(world, (c) => c.channel === 'Email' && !!c.assignment && !!c.queue && (world.notes.get(c.id)?.length ?? 0) > 0);
    const res = await h.gql(CONVERSATION, { id: String(c.id) });
    expect(res.errors).toBeUndefined();
    const got = res.data!.conversation;
    expect(got).toMatchObject({
      id: String(c.id),
      channel: 'EMAIL',
      rawChannel: 'Email',
      subject: c.subject,
      createdAt: new Date(c.createdAt).toISOString(),
      // The harness runs read-only (the default with a token): nothing is replyable.
      replyable: false,
      customer: { id: c.requesterId, email: world.endUsers.get(c.requesterId)?.email },
      assignee: { id: c.assignment!.agentId },
      queue: { id: c.queue!.id, name: world.queues.get(c.queue!.id)?.name },
    });
    expect(got.messages.map((m: any) => m.id)).toEqual(world.messages.get(c.id)!.map((m) => m.id));
    expect(got.notes.map((n: any) => n.message)).toEqual(world.notes.get(c.id)!.map((n) => n.message));
    expect(got.tags.map((t: any) => t.id).sort()).toEqual([...(world.conversationTags.get(c.id) ?? [])].sort());
    for (const m of got.messages) {
      expect(m.conversationId).toBe(String(c.id));
      expect(m.email).not.toBeNull();
      expect(m.author?.id).toBe(m.authorId);
      expect(m.author.__typename).toBe(m.direction === 'INBOUND' ? 'Customer' : 'Agent');
    }
    // One call per relation; the message authors come from the same customer read and the agent list.
    const paths = h.dixaCalls().map((r) => `${r.method} ${route(r)}`);
    expect(paths).toContain(`GET /conversations/${c.id}`);
    expect(paths.filter((p) => p === `GET /endusers/${c.requesterId}`)).toHaveLength(1);
    expect(paths.filter((p) => p.startsWith('GET /agents'))).toHaveLength(1);
  });

  it('maps every state and channel the seed holds, unknown channels to OTHER', async () => {
    const byState = new Map<string, number>();
    for (const c of world.conversations.values()) if (c.state && !byState.has(c.state)) byState.set(c.state, c.id);
    const other = findConversation(world, (c) => !['Email', 'ContactForm', 'WidgetChat', 'Messenger', 'FacebookMessenger', 'WhatsApp', 'Sms', 'PstnPhone', 'Voicemail', 'Callback', 'Twitter'].includes(c.channel));
    const ids = [...byState.values(), other.id].map(String);
    const res = await h.gql(`query($ids: [ID!]!) { conversations(ids: $ids) { id state channel rawChannel replyable } }`, { ids });
    expect(res.errors).toBeUndefined();
    expect(new Set(res.data!.conversations.map((c: any) => c.state))).toEqual(new Set(['OPEN', 'PENDING', 'AWAITING_PENDING', 'CLOSED']));
    const last = res.data!.conversations.at(-1);
    expect(last).toEqual({ id: String(other.id), state: expect.any(String), channel: 'OTHER', rawChannel: other.channel, replyable: false });
  });

  it('returns null for an unknown id, and BAD_USER_INPUT for a malformed one without calling Dixa', async () => {
    const missing = await h.gql(`{ conversation(id: "999999999") { id } }`);
    expect(missing.errors).toBeUndefined();
    expect(missing.data!.conversation).toBeNull();
    expect(h.dixaCalls().map(route)).toEqual(['/conversations/999999999']);

    h.resetCalls();
    for (const id of ['abc', '-1', '1.5', '../agents', '1?x=y', '12%2F..', '99999999999999999999']) {
      const res = await h.gql(`query($id: ID!) { conversation(id: $id) { id } }`, { id });
      expect(res.errors?.[0]?.extensions?.code, id).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/conversation id/);
    }
    expect(h.dixaCalls()).toHaveLength(0);
  });

  it('conversations(ids) answers in order with null for unknown ids and fetches a repeated id once', async () => {
    const [a, b] = [...world.conversations.keys()];
    const res = await h.gql(`query($ids: [ID!]!) { conversations(ids: $ids) { id } }`, { ids: [String(b), '424242', String(a), String(b)] });
    expect(res.data!.conversations).toEqual([{ id: String(b) }, null, { id: String(a) }, { id: String(b) }]);
    expect(h.dixaCalls().map(route).sort()).toEqual([`/conversations/${a}`, `/conversations/${b}`, '/conversations/424242'].sort());
  });

  it('maps every message attribute variant the seed holds', async () => {
    const variants = ['EmailAttributes', 'ContactFormAttributes', 'ChatAttributes', 'SmsAttributes', 'WhatsAppAttributes', 'FacebookMessengerAttributes', 'MessengerFormAttributes', 'PhoneAttributes', 'CallRecordingAttributes', 'TranscriptAttributes'];
    for (const variant of variants) {
      const c = findConversationWithAttributes(world, variant);
      const res = await h.gql(CONVERSATION, { id: String(c.id) });
      expect(res.errors, variant).toBeUndefined();
      const source = world.messages.get(c.id)!;
      res.data!.conversation.messages.forEach((m: any, i: number) => {
        const a = source[i]!.attributes as any;
        if (a._type !== variant) return;
        const content = a.emailContent?.content ?? a.content;
        if (content?._type === 'Html') {
          expect(m.html).toBe(content.value);
          expect(m.text).not.toMatch(/<[a-z]/i);
        } else if (content) {
          expect(m.text).toBe(content.value);
        }
        if (a.emailContent?._type === 'TooLarge') expect(m.attachments[0].url).toBe(a.emailContent.file.url);
        if (variant === 'EmailAttributes') expect(m.email.from.email).toBe(a.from.email);
        if (variant === 'CallRecordingAttributes') expect(m.attachments[0].url).toBe(a.recording);
        if (variant === 'PhoneAttributes') expect(m.text).toMatch(/^Phone call from/);
        if (variant === 'MessengerFormAttributes' && !content) expect(m.text).toContain(':');
        expect(m.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      });
    }
  });
});

describe('searchConversations', () => {
  it('pages through every match with cursors, no duplicates', async () => {
    const total = world.conversations.size;
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res: any = await h.gql(`query($after: String) { searchConversations(first: 25, after: $after) { edges { cursor node { id } } nodes { id } pageInfo { hasNextPage endCursor } } }`, { after });
      expect(res.errors).toBeUndefined();
      const conn = res.data.searchConversations;
      expect(conn.nodes.map((n: any) => n.id)).toEqual(conn.edges.map((e: any) => e.node.id));
      seen.push(...conn.nodes.map((n: any) => n.id));
      after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 20);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    const searches = h.dixaCalls((r) => route(r) === '/search/conversations');
    expect(searches.every((r) => r.method === 'POST')).toBe(true);
    expect(searches[0]!.query.pageLimit).toBe('25');
    expect(searches[1]!.query.pageKey).toBeTruthy();
  });

  it('resumes exactly after an edge cursor in the middle of a page, even with another page size', async () => {
    const first = await h.gql(`{ searchConversations(first: 10) { edges { cursor node { id } } } }`);
    const edges = first.data!.searchConversations.edges;
    const rest = await h.gql(`query($after: String) { searchConversations(first: 3, after: $after) { nodes { id } } }`, { after: edges[4].cursor });
    expect(rest.data!.searchConversations.nodes.map((n: any) => n.id)).toEqual(edges.slice(5, 8).map((e: any) => e.node.id));
  });

  it('filters by state, channel, tag, assignee and text, in Dixa search spelling', async () => {
    const tagged = findConversation(world, (c) => (world.conversationTags.get(c.id)?.length ?? 0) > 0);
    const tagId = world.conversationTags.get(tagged.id)![0]!;
    const res = await h.gql(
      `query($f: ConversationFilter) { searchConversations(first: 50, filter: $f) { nodes { id state channel tags { id } } } }`,
      { f: { states: ['OPEN', 'CLOSED'], channels: ['EMAIL', 'WIDGET_CHAT'], tagIds: [tagId] } },
    );
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.searchConversations.nodes;
    expect(nodes.length).toBeGreaterThan(0);
    for (const n of nodes) {
      expect(['OPEN', 'CLOSED']).toContain(n.state);
      expect(['EMAIL', 'WIDGET_CHAT']).toContain(n.channel);
      expect(n.tags.map((t: any) => t.id)).toContain(tagId);
    }
    const body = h.dixaCalls((r) => route(r) === '/search/conversations')[0]!.body as any;
    expect(body.filters.conditions).toEqual([
      { field: { _type: 'Status', operator: { _type: 'IsOneOf', values: ['open', 'closed'] } } },
      { field: { _type: 'Channel', operator: { _type: 'IsOneOf', values: ['email', 'chat'] } } },
      { field: { _type: 'TagId', operator: { _type: 'IncludesOne', values: [tagId] } } },
    ]);

    const text = await h.gql(`{ searchConversations(text: "refund", first: 50) { nodes { subject } } }`);
    expect(text.errors).toBeUndefined();
    expect(text.data!.searchConversations.nodes.length).toBeGreaterThan(0);
  });

  it('rejects bad arguments before calling Dixa', async () => {
    const cases = [
      `{ searchConversations(first: 0) { nodes { id } } }`,
      `{ searchConversations(first: 51) { nodes { id } } }`,
      `{ searchConversations(after: "garbage") { nodes { id } } }`,
      `{ searchConversations(filter: { assigneeIds: ["../agents"] }) { nodes { id } } }`,
      `{ searchConversations(filter: { channels: [TWITTER] }) { nodes { id } } }`,
    ];
    for (const query of cases) {
      const res = await h.gql(query);
      expect(res.errors?.[0]?.extensions?.code, query).toBe('BAD_USER_INPUT');
    }
    expect(h.dixaCalls()).toHaveLength(0);
  });
});

describe('customers', () => {
  it('customer(id), customerByEmail (any case) and null for unknown ones', async () => {
    const user = [...world.endUsers.values()].find((u) => u.email && (u.customAttributes?.length ?? 0) > 0)!;
    const res = await h.gql(
      `query($id: ID!, $email: String!) {
        customer(id: $id) { id email displayName firstName lastName phoneNumber externalId avatarUrl createdAt customAttributes { identifier value } }
        byEmail: customerByEmail(email: $email) { id customAttributes { identifier } }
        nobody: customerByEmail(email: "nobody@example.org") { id }
        unknown: customer(id: "00000000-0000-4000-8000-00000000abcd") { id }
      }`,
      { id: user.id, email: user.email!.toUpperCase() },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.customer).toMatchObject({ id: user.id, email: user.email, displayName: user.displayName ?? null });
    expect(res.data!.customer.customAttributes.map((a: any) => a.identifier)).toEqual(user.customAttributes!.map((a) => a.identifier));
    expect(res.data!.byEmail.id).toBe(user.id);
    expect(res.data!.byEmail.customAttributes).toEqual(res.data!.customer.customAttributes.map((a: any) => ({ identifier: a.identifier })));
    expect(res.data!.nobody).toBeNull();
    expect(res.data!.unknown).toBeNull();
    const lookup = h.dixaCalls((r) => route(r) === '/endusers')[0]!;
    expect(lookup.query.email).toBe(user.email!.toLowerCase());
  });

  it('customer.conversations pages through the customer\'s conversations', async () => {
    const counts = new Map<string, number>();
    for (const c of world.conversations.values()) counts.set(c.requesterId, (counts.get(c.requesterId) ?? 0) + 1);
    const [customerId, total] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    expect(total).toBeGreaterThan(2);
    const ids: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res: any = await h.gql(
        `query($id: ID!, $after: String) { customer(id: $id) { conversations(first: 2, after: $after) { nodes { id customAttributes { id } customer { id } } pageInfo { hasNextPage endCursor } } } }`,
        { id: customerId, after },
      );
      expect(res.errors).toBeUndefined();
      const conn = res.data.customer.conversations;
      ids.push(...conn.nodes.map((n: any) => n.id));
      for (const n of conn.nodes) expect(n.customer.id).toBe(customerId);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(ids.sort()).toEqual([...world.conversations.values()].filter((c) => c.requesterId === customerId).map((c) => String(c.id)).sort());
  });
});

describe('directory', () => {
  it('agents, agent(id), queues and tags (inactive included) from one list call each', async () => {
    const agent = [...world.agents.values()][0]!;
    const res = await h.gql(
      `query($id: ID!) { agents { id displayName email roles createdAt } agent(id: $id) { id email } nobody: agent(id: "00000000-0000-4000-8000-00000000abcd") { id }
        queues { id name } tags { id name color active } }`,
      { id: agent.id },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.agents).toHaveLength(world.agents.size);
    expect(res.data!.agent).toEqual({ id: agent.id, email: agent.email });
    expect(res.data!.nobody).toBeNull();
    expect(res.data!.queues.map((q: any) => q.id).sort()).toEqual([...world.queues.keys()].sort());
    expect(res.data!.tags).toHaveLength(world.tags.size);
    expect(res.data!.tags.filter((t: any) => !t.active).length).toBeGreaterThan(0);
    const shapes = h.dixaCalls().map((r) => `${r.method} ${route(r).replace(/[0-9a-f-]{36}/, ':uuid')}`);
    expect(shapes.sort()).toEqual(['GET /agents', 'GET /agents/:uuid', 'GET /queues', 'GET /tags'].sort());
  });
});

describe('dixaConnection', () => {
  it('reports the organization, access mode and reply channels', async () => {
    const res = await h.gql(`{ dixaConnection { ok organization { id name } accessMode replyChannels errorCode message checkedAt } }`);
    expect(res.data!.dixaConnection).toMatchObject({
      ok: true,
      organization: { id: world.organization.id, name: world.organization.name },
      accessMode: 'READ_ONLY',
      replyChannels: ['EMAIL', 'WIDGET_CHAT'],
      errorCode: null,
    });
  });
});

// The conversation actions against the fake Dixa over real HTTP: the one Dixa write each
// makes, the refreshed Conversation it answers with, the cache entries it forgets (and
// only those), NOT_FOUND / BAD_USER_INPUT before any write, and READ_ONLY for every
// mutation when the gateway runs read-only.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { activeTags, findConversation, seedWorld, type FakeWorld, type RecordedRequest } from '../src/demo/fake-dixa/index.js';
import { buildGatewaySchema } from '../src/schema.js';
import { TOKEN, callShape, route, startHarness, type Harness } from './support/harness.js';

const world: FakeWorld = seedWorld();
const [AGENT, OTHER_AGENT] = [...world.agents.keys()] as [string, string];
const UNKNOWN = '0e4d0ead-dc69-470a-9b3a-e7eb16a56453';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ fake: { tenants: [{ token: TOKEN, world }] }, env: { DIXA_ACCESS: 'read-write', DIXA_DEFAULT_AGENT_ID: AGENT } });
});
afterAll(() => h.close());
beforeEach(() => {
  h.gateway.datasource.cache.clear();
  h.fake.faults.clear();
  h.resetCalls();
});

const writes = (): RecordedRequest[] => h.dixaCalls((r) => r.method !== 'GET');
const shapes = (requests: RecordedRequest[]): string[] => requests.map(callShape);

const FULL = /* GraphQL */ `
  query($id: ID!) { conversation(id: $id) { id state assignee { id } queue { id } notes { id message } tags { name } messages { id } } }`;

/** Reads the conversation in full (warming the cache), runs `mutation`, then says what a second full read cost. */
async function readsAfter(id: number, mutation: () => Promise<unknown>): Promise<{ calls: string[]; data: any }> {
  await h.gql(FULL, { id: String(id) });
  await mutation();
  h.resetCalls();
  const res = await h.gql(FULL, { id: String(id) });
  return { calls: shapes(h.dixaCalls()), data: res.data!.conversation };
}

describe('addNote', () => {
  it('POSTs the note as the default agent, answers the Note, and forgets only the cached notes', async () => {
    const c = findConversation(world, (x) => x.channel === 'Email');
    let note: any;
    const { calls, data } = await readsAfter(c.id, async () => {
      const res = await h.gql(`mutation($id: ID!) { addNote(conversationId: $id, message: "Customer called twice") { id conversationId message author { id } } }`, { id: String(c.id) });
      expect(res.errors).toBeUndefined();
      note = res.data!.addNote;
      expect(shapes(writes())).toEqual(['POST /conversations/:id/notes']);
      expect(writes()[0]!.body).toEqual({ message: 'Customer called twice', agentId: AGENT });
    });
    expect(note).toMatchObject({ conversationId: String(c.id), message: 'Customer called twice', author: { id: AGENT } });
    expect(calls).toEqual(['GET /conversations/:id/notes']);
    expect(data.notes.at(-1)).toEqual({ id: note.id, message: 'Customer called twice' });
  });

  it('blank, oversized, unknown conversation and unknown agent fail before any write', async () => {
    const id = String(findConversation(world, (x) => x.channel === 'Email').id);
    const cases: [string, Record<string, unknown>, string][] = [
      ['  ', { id }, 'BAD_USER_INPUT'],
      ['x'.repeat(10_001), { id }, 'BAD_USER_INPUT'],
      ['hi', { id: '999999' }, 'NOT_FOUND'],
      ['hi', { id, agentId: UNKNOWN }, 'NOT_FOUND'],
    ];
    for (const [message, vars, code] of cases) {
      const res = await h.gql(`mutation($id: ID!, $m: String!, $agentId: ID) { addNote(conversationId: $id, message: $m, agentId: $agentId) { id } }`, { m: message, ...vars });
      expect(res.errors?.[0]?.extensions?.code).toBe(code);
    }
    expect(writes()).toHaveLength(0);
  });
});

describe('state changes answer the refreshed conversation', () => {
  it('closeConversation: PUT close with the acting agent; the conversation read afterwards costs nothing', async () => {
    const c = findConversation(world, (x) => x.state === 'Open' && x.channel === 'Email');
    const { calls, data } = await readsAfter(c.id, async () => {
      const res = await h.gql(`mutation($id: ID!, $a: ID) { closeConversation(id: $id, agentId: $a) { id state } }`, { id: String(c.id), a: OTHER_AGENT });
      expect(res.data!.closeConversation).toEqual({ id: String(c.id), state: 'CLOSED' });
      expect(shapes(writes())).toEqual(['PUT /conversations/:id/close']);
      expect(writes()[0]!.body).toEqual({ userId: OTHER_AGENT });
    });
    // The mutation re-read the conversation; notes, tags and messages were not touched.
    expect(calls).toEqual([]);
    expect(data.state).toBe('CLOSED');
  });

  it('reopenConversation: PUT reopen, state OPEN', async () => {
    const c = findConversation(world, (x) => x.state === 'Closed');
    const res = await h.gql(`mutation($id: ID!) { reopenConversation(id: $id) { state } }`, { id: String(c.id) });
    expect(res.data!.reopenConversation.state).toBe('OPEN');
    expect(shapes(writes())).toEqual(['PUT /conversations/:id/reopen']);
  });

  it('setFollowUp: PUT followup with the time; a time in the past is BAD_USER_INPUT', async () => {
    const c = findConversation(world, (x) => x.state === 'Open');
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const res = await h.gql(`mutation($id: ID!, $u: DateTime!) { setFollowUp(id: $id, until: $u) { state } }`, { id: String(c.id), u: until });
    expect(res.errors).toBeUndefined();
    expect(res.data!.setFollowUp.state).toBe('PENDING');
    expect(shapes(writes())).toEqual(['PUT /conversations/:id/followup']);
    expect(writes()[0]!.body).toEqual({ timestamp: until.replace(/\.\d{3}Z$/, 'Z') });

    h.resetCalls();
    const past = await h.gql(`mutation($id: ID!) { setFollowUp(id: $id, until: "2020-01-01T00:00:00Z") { state } }`, { id: String(c.id) });
    expect(past.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(past.errors?.[0]?.message).toMatch(/until must be in the future/);
    expect(h.dixaCalls()).toHaveLength(0);
  });

  it('assignConversation: PUT claim; taken by another agent needs force', async () => {
    const c = findConversation(world, (x) => !!x.assignment && x.assignment.agentId !== OTHER_AGENT && x.state === 'Open');
    const refused = await h.gql(`mutation($id: ID!, $a: ID!) { assignConversation(id: $id, agentId: $a) { id } }`, { id: String(c.id), a: OTHER_AGENT });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toMatch(/force: true/);
    expect(writes()[0]!.body).toEqual({ agentId: OTHER_AGENT, force: false });

    h.resetCalls();
    const forced = await h.gql(`mutation($id: ID!, $a: ID!) { assignConversation(id: $id, agentId: $a, force: true) { assignee { id } } }`, { id: String(c.id), a: OTHER_AGENT });
    expect(forced.data!.assignConversation.assignee).toEqual({ id: OTHER_AGENT });
    expect(shapes(writes())).toEqual(['PUT /conversations/:id/claim']);
    expect(writes()[0]!.body).toEqual({ agentId: OTHER_AGENT, force: true });
  });

  it('transferConversation: PUT transfer/queue; an unknown queue is NOT_FOUND before any write', async () => {
    const c = findConversation(world, (x) => x.state === 'Open');
    const queue = [...world.queues.values()].find((q) => q.id !== c.queue?.id)!;
    const res = await h.gql(`mutation($id: ID!, $q: ID!) { transferConversation(id: $id, queueId: $q) { queue { id name } } }`, { id: String(c.id), q: queue.id });
    expect(res.data!.transferConversation.queue).toEqual({ id: queue.id, name: queue.name });
    expect(shapes(writes())).toEqual(['PUT /conversations/:id/transfer/queue']);
    expect(writes()[0]!.body).toEqual({ queueId: queue.id });

    h.resetCalls();
    const missing = await h.gql(`mutation($id: ID!, $q: ID!) { transferConversation(id: $id, queueId: $q) { id } }`, { id: String(c.id), q: UNKNOWN });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(writes()).toHaveLength(0);
  });
});

describe('tags by name', () => {
  it('tagConversation and untagConversation: PUT / DELETE by the tag id; only the cached tags are forgotten', async () => {
    const c = findConversation(world, (x) => x.channel === 'WidgetChat');
    const tag = activeTags(world).find((t) => !(world.conversationTags.get(c.id) ?? []).includes(t.id))!;
    const tagged = await readsAfter(c.id, async () => {
      const res = await h.gql(`mutation($id: ID!, $t: String!) { tagConversation(id: $id, tag: $t) { id } }`, { id: String(c.id), t: ` ${tag.name.toUpperCase()} ` });
      expect(res.errors).toBeUndefined();
      expect(shapes(writes())).toEqual(['PUT /conversations/:id/tags/:uuid']);
      expect(route(writes()[0]!)).toBe(`/conversations/${c.id}/tags/${tag.id}`);
    });
    expect(tagged.calls).toEqual(['GET /conversations/:id/tags']);
    expect(tagged.data.tags.map((t: { name: string }) => t.name)).toContain(tag.name);

    const untagged = await readsAfter(c.id, async () => {
      await h.gql(`mutation($id: ID!, $t: String!) { untagConversation(id: $id, tag: $t) { id } }`, { id: String(c.id), t: tag.name });
      expect(shapes(writes())).toEqual(['DELETE /conversations/:id/tags/:uuid']);
    });
    expect(untagged.calls).toEqual(['GET /conversations/:id/tags']);
    expect(untagged.data.tags.map((t: { name: string }) => t.name)).not.toContain(tag.name);
  });

  it('an unknown tag is NOT_FOUND (after one fresh look at the catalogue); a deactivated one is BAD_USER_INPUT', async () => {
    const c = findConversation(world, (x) => x.channel === 'WidgetChat');
    const missing = await h.gql(`mutation($id: ID!) { tagConversation(id: $id, tag: "no-such-tag") { id } }`, { id: String(c.id) });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(missing.errors?.[0]?.message).toContain('no-such-tag');
    expect(h.dixaCalls((r) => route(r) === '/tags')).toHaveLength(2);

    const inactive = { id: '3c1b7f0e-5d2a-4e8b-9f6c-0a1b2c3d4e5f', name: 'retired-tag', state: 'Inactive' as const };
    world.tags.set(inactive.id, inactive);
    h.gateway.datasource.cache.clear();
    const refused = await h.gql(`mutation($id: ID!) { tagConversation(id: $id, tag: "retired-tag") { id } }`, { id: String(c.id) });
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toMatch(/deactivated/);
    expect(writes()).toHaveLength(0);
  });
});

describe('every action, before any write', () => {
  const ACTIONS: [string, string][] = [
    ['addNote', `mutation($id: ID!) { addNote(conversationId: $id, message: "x") { id } }`],
    ['closeConversation', `mutation($id: ID!) { closeConversation(id: $id) { id } }`],
    ['reopenConversation', `mutation($id: ID!) { reopenConversation(id: $id) { id } }`],
    ['setFollowUp', `mutation($id: ID!) { setFollowUp(id: $id, until: "2099-01-01T00:00:00Z") { id } }`],
    ['assignConversation', `mutation($id: ID!) { assignConversation(id: $id, agentId: "${AGENT}") { id } }`],
    ['transferConversation', `mutation($id: ID!) { transferConversation(id: $id, queueId: "${[...world.queues.keys()][0]}") { id } }`],
    ['tagConversation', `mutation($id: ID!) { tagConversation(id: $id, tag: "${activeTags(world)[0]!.name}") { id } }`],
    ['untagConversation', `mutation($id: ID!) { untagConversation(id: $id, tag: "${activeTags(world)[0]!.name}") { id } }`],
  ];

  it.each(ACTIONS)('%s: NOT_FOUND for an unknown conversation, BAD_USER_INPUT for a malformed id', async (_name, mutation) => {
    const unknown = await h.gql(mutation, { id: '999999' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const malformed = await h.gql(mutation, { id: '12; DROP' });
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(writes()).toHaveLength(0);
  });
});

describe('read-only mode', () => {
  let ro: Harness;
  beforeAll(async () => {
    ro = await startHarness({ env: { DIXA_ACCESS: 'read-only', DIXA_DEFAULT_AGENT_ID: AGENT } });
  });
  afterAll(() => ro.close());

  const MUTATIONS: [string, string][] = [
    ['replyToConversation', `mutation { replyToConversation(input: { conversationId: "1000", content: "hi" }) { message { id } } }`],
    [
      'createConversation',
      `mutation { createConversation(input: { channel: EMAIL, customer: { email: "a@example.com" }, subject: "s", content: "c", emailIntegrationId: "support@acme.email.dixa.io" }) { conversation { id } } }`,
    ],
    ['addNote', `mutation { addNote(conversationId: "1000", message: "x") { id } }`],
    ['closeConversation', `mutation { closeConversation(id: "1000") { id } }`],
    ['reopenConversation', `mutation { reopenConversation(id: "1000") { id } }`],
    ['setFollowUp', `mutation { setFollowUp(id: "1000", until: "2099-01-01T00:00:00Z") { id } }`],
    ['assignConversation', `mutation { assignConversation(id: "1000", agentId: "${AGENT}") { id } }`],
    ['transferConversation', `mutation { transferConversation(id: "1000", queueId: "${UNKNOWN}") { id } }`],
    ['tagConversation', `mutation { tagConversation(id: "1000", tag: "vip") { id } }`],
    ['untagConversation', `mutation { untagConversation(id: "1000", tag: "vip") { id } }`],
  ];

  it.each(MUTATIONS)('%s: READ_ONLY, saying how to allow writes, and no Dixa call at all', async (name, mutation) => {
    ro.resetCalls();
    const res = await ro.gql(mutation);
    expect(res.errors?.[0]?.extensions?.code).toBe('READ_ONLY');
    expect(res.errors?.[0]?.message).toContain(name);
    expect(res.errors?.[0]?.message).toContain('DIXA_ACCESS=read-write');
    expect(ro.dixaCalls()).toHaveLength(0);
  });

  // They change no conversation, only the webhook subscription and the event log (issue 13; test/sync-*.test.ts).
  const ALLOWED_READ_ONLY = ['configureWebhooks', 'repairSync'];

  it('covers every mutation in the schema', () => {
    const fields = Object.keys(buildGatewaySchema().getMutationType()?.getFields() ?? {});
    expect([...MUTATIONS.map(([name]) => name), ...ALLOWED_READ_ONLY].sort()).toEqual(fields.sort());
  });
});

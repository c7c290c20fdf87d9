// A reply through the gateway costs one Dixa call: the sent message is written into the
// cached list, and the MESSAGE_ADDED webhook that follows finds it there and keeps it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConversation } from '../src/demo/fake-dixa/index.js';
import { TOKEN, countByShape, startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ webhooks: true, env: { DIXA_ACCESS: 'read-write' } });
});
afterAll(() => h.close());

const waitFor = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('reply write-through', () => {
  it('reply: one POST; the read after it and after its webhook: zero Dixa calls', async () => {
    const world = h.fake.world(TOKEN);
    const conversation = findConversation(world, (c) => c.channel === 'WidgetChat' && c.state === 'Open');
    const agentId = [...world.agents.keys()][0]!;
    const read = `query($id: ID!) { conversation(id: $id) { messages { id text externalId } } }`;
    // The agent list too: the reply checks its agent exists, from the cached list.
    const before = await h.gql(`query($id: ID!) { agents { id } conversation(id: $id) { messages { id } } }`, { id: String(conversation.id) });
    const count = before.data!.conversation.messages.length;

    h.resetCalls();
    const head = await h.gateway.events.log.head();
    const reply = await h.gql(
      `mutation($input: ReplyToConversationInput!) { replyToConversation(input: $input) { message { id text externalId } } }`,
      { input: { conversationId: String(conversation.id), content: 'On its way!', agentId, idempotencyKey: 'wt-1' } },
    );
    expect(reply.errors).toBeUndefined();
    expect(countByShape(h.dixaCalls())).toEqual({ 'POST /conversations/:id/messages': 1 });

    await waitFor(async () => (await h.gateway.events.log.head()) > head);
    expect(await h.gateway.events.log.head()).toBeGreaterThan(head);
    const after = await h.gql(read, { id: String(conversation.id) });
    expect(after.data!.conversation.messages).toHaveLength(count + 1);
    expect(after.data!.conversation.messages.at(-1)).toEqual({ id: reply.data!.replyToConversation.message.id, text: 'On its way!', externalId: 'wt-1' });
    expect(h.dixaCalls()).toHaveLength(1);
  });

  it('the webhook may overtake the POST answer: the list is still kept and gets the reply', async () => {
    const world = h.fake.world(TOKEN);
    const conversation = findConversation(world, (c) => c.channel === 'Email' && c.state === 'Open');
    const agentId = [...world.agents.keys()][0]!;
    const read = `query($id: ID!) { agents { id } conversation(id: $id) { messages { id text } } }`;
    const count = (await h.gql(read, { id: String(conversation.id) })).data!.conversation.messages.length;
    // Dixa stores the message (and sends its webhook) but answers the POST late.
    h.fake.faults.add({ method: 'POST', path: `/conversations/${conversation.id}/messages`, delayMs: 400 });
    h.resetCalls();
    const head = await h.gateway.events.log.head();
    const pending = h.gql(
      `mutation($input: ReplyToConversationInput!) { replyToConversation(input: $input) { message { id } } }`,
      { input: { conversationId: String(conversation.id), content: 'Sent before you knew', agentId, idempotencyKey: 'wt-2' } },
    );
    await waitFor(async () => (await h.gateway.events.log.head()) > head);
    expect(await h.gateway.events.log.head()).toBeGreaterThan(head);
    expect((await pending).errors).toBeUndefined();
    const after = await h.gql(read, { id: String(conversation.id) });
    expect(after.data!.conversation.messages).toHaveLength(count + 1);
    expect(after.data!.conversation.messages.at(-1).text).toBe('Sent before you knew');
    expect(countByShape(h.dixaCalls())).toEqual({ 'POST /conversations/:id/messages': 1 });
  });

  it('a message the cache does not hold (the customer wrote) drops the list: the next read fetches it', async () => {
    const world = h.fake.world(TOKEN);
    const conversation = findConversation(world, (c) => c.channel === 'WidgetChat' && c.state === 'Open' && c.id !== 0);
    const read = `query($id: ID!) { conversation(id: $id) { messages { text } } }`;
    await h.gql(read, { id: String(conversation.id) });
    const head = await h.gateway.events.log.head();
    const res = await fetch(`${h.fake.url}/v1/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { authorization: TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ _type: 'Inbound', content: { _type: 'Text', value: 'Any news?' } }),
    });
    expect(res.status).toBe(200);
    await waitFor(async () => (await h.gateway.events.log.head()) > head);
    h.resetCalls();
    const after = await h.gql(read, { id: String(conversation.id) });
    expect(after.data!.conversation.messages.at(-1).text).toBe('Any news?');
    expect(countByShape(h.dixaCalls())).toEqual({ 'GET /conversations/:id/messages': 1 });
  });
});

describe('search pages and webhooks', () => {
  const SEARCH = `query($text: String) { searchConversations(first: 5, text: $text, filter: { states: [OPEN] }) { nodes { id } } }`;
  const settle = async (head: number) => waitFor(async () => (await h.gateway.events.log.head()) > head);

  it('a message keeps filter-only pages and drops text searches; a close drops every page', async () => {
    const world = h.fake.world(TOKEN);
    await h.gql(SEARCH, {});
    await h.gql(SEARCH, { text: 'order' });
    const open = findConversation(world, (c) => c.channel === 'WidgetChat' && c.state === 'Open');

    let head = await h.gateway.events.log.head();
    await fetch(`${h.fake.url}/v1/conversations/${open.id}/messages`, {
      method: 'POST',
      headers: { authorization: TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ _type: 'Inbound', content: { _type: 'Text', value: 'my order again' } }),
    });
    await settle(head);
    h.resetCalls();
    await h.gql(SEARCH, {});
    expect(h.dixaCalls()).toHaveLength(0);
    await h.gql(SEARCH, { text: 'order' });
    expect(countByShape(h.dixaCalls())).toEqual({ 'POST /search/conversations': 1 });

    head = await h.gateway.events.log.head();
    const closed = await fetch(`${h.fake.url}/v1/conversations/${open.id}/close`, { method: 'PUT', headers: { authorization: TOKEN, 'content-type': 'application/json' }, body: '{}' });
    expect(closed.status).toBe(204);
    await settle(head);
    h.resetCalls();
    const after = await h.gql(SEARCH, {});
    expect(countByShape(h.dixaCalls())).toEqual({ 'POST /search/conversations': 1 });
    expect(after.data!.searchConversations.nodes.map((n: any) => n.id)).not.toContain(String(open.id));
  });
});

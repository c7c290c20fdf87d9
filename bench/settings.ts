// What every bench process agrees on: the tenant, the seeded world and the operations.
import type { SeedOptions } from '../src/demo/fake-dixa/index.js';

export const BENCH_TOKEN = 'bench-token';

/** Issue 7's data set: 500 conversations, 150 customers, 20 agents (seed 1, deterministic). */
export const WORLD: SeedOptions = { conversations: 500, customers: 150, agents: 20 };

/** What an inbox row shows: the conversation with customer, assignee, queue, tags and messages. */
export const INBOX_ROW = `
      id subject state channel
      customer { displayName email }
      assignee { displayName }
      queue { name }
      tags { name }
      messages { createdAt direction text author { ... on Agent { agentName: displayName } ... on Customer { displayName } } }`;

/** The inbox (README's): one search page of 25 rows. */
export const INBOX_QUERY = `query Inbox($after: String) {
  searchConversations(first: 25, after: $after, filter: { states: [OPEN], channels: [EMAIL, WIDGET_CHAT] }) {
    nodes { ${INBOX_ROW} }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** One conversation in full: every message with its author, notes, tags and the customer. */
export const DETAIL_QUERY = `query Detail($id: ID!) {
  conversation(id: $id) {
    id subject state channel createdAt replyable
    customer { id displayName email }
    assignee { displayName }
    tags { name }
    notes { message createdAt author { displayName } }
    messages { id createdAt direction text author { ... on Agent { agentName: displayName } ... on Customer { displayName } } }
  }
}`;

export const REPLY_MUTATION = `mutation Reply($input: ReplyToConversationInput!) {
  replyToConversation(input: $input) { message { id createdAt direction text } }
}`;

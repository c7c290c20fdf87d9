// The cost of a GraphQL operation in Dixa calls, estimated before it runs: each field's
// own reads plus, for lists, the assumed list size times the cost of one item. Dixa
// allows 10 calls/s per token, so this is the number that protects the token's budget.
// Cached reads cost nothing at run time; the estimate is the cold-cache worst case.
import type { ComplexityEstimator } from 'graphql-query-complexity';

interface FieldCost {
  /** Dixa calls the field itself makes. */
  calls: number;
  /** How many items the field returns: a fixed guess, or read from an argument. */
  items?: number | ((args: Record<string, unknown>) => number);
}

/** A message list is not paginated by Dixa; this many is what the estimate assumes. */
const ASSUMED_MESSAGES = 10;
const ASSUMED_NOTES = 5;
const ASSUMED_TAGS = 5;
const ASSUMED_DIRECTORY = 20;

const first = (fallback: number) => (args: Record<string, unknown>) => (typeof args.first === 'number' ? args.first : fallback);

const COSTS: Record<string, FieldCost> = {
  'Query.conversation': { calls: 1 },
  'Query.conversations': { calls: 0, items: (args) => (Array.isArray(args.ids) ? args.ids.length : 1) },
  'Query.searchConversations': { calls: 1, items: first(20) },
  'Query.customer': { calls: 1 },
  'Query.customerByEmail': { calls: 1 },
  'Query.agent': { calls: 1 },
  'Query.agents': { calls: 1, items: ASSUMED_DIRECTORY },
  'Query.queues': { calls: 1, items: ASSUMED_DIRECTORY },
  'Query.tags': { calls: 1, items: ASSUMED_DIRECTORY },
  'Query.dixaConnection': { calls: 3 },
  'Query.conversationEvents': { calls: 0, items: first(100) },
  // The subscription list and its delivery status.
  'Query.syncStatus': { calls: 2 },
  // Each edge/node of a connection is one conversation read; counted once per connection.
  'ConversationConnection.nodes': { calls: 1 },
  'ConversationConnection.edges': { calls: 1 },
  'Conversation.customer': { calls: 1 },
  'Conversation.assignee': { calls: 1 },
  'Conversation.queue': { calls: 1 },
  'Conversation.messages': { calls: 1, items: ASSUMED_MESSAGES },
  'Conversation.notes': { calls: 1, items: ASSUMED_NOTES },
  'Conversation.tags': { calls: 1, items: ASSUMED_TAGS },
  'Message.author': { calls: 1 },
  'Note.author': { calls: 1 },
  'Customer.customAttributes': { calls: 1 },
  'Customer.conversations': { calls: 1, items: first(20) },
  'ConversationEvent.conversation': { calls: 1 },
  'ConversationEvent.message': { calls: 1 },
  'ReplyToConversationPayload.conversation': { calls: 1 },
  'CreateConversationPayload.conversation': { calls: 1 },
};

/** Mutations each cost their own Dixa writes; a flat, generous figure is enough to bound them. */
const MUTATION_CALLS = 10;

export const dixaCallEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (type.name === 'Mutation') return MUTATION_CALLS + childComplexity;
  const cost = COSTS[`${type.name}.${field.name}`];
  if (!cost) return childComplexity;
  const items = typeof cost.items === 'function' ? cost.items(args) : (cost.items ?? 1);
  // Connections spread their per-item cost over edges/nodes, which are counted per item.
  return cost.calls + Math.max(0, items) * childComplexity;
};

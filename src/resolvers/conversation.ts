// Conversation fields: Dixa's conversation record mapped to the GraphQL type, with its
// relations (customer, assignee, queue, messages, notes, tags) read through the loaders.
import { thenMaybe } from '../datasources/dixa/loaders.js';
import { isPartial } from '../datasources/dixa/partial-records.js';
import type { ConversationResolvers } from '../generated/graphql.js';
import { toIsoDateTime } from '../mapping/timestamp.js';
import { channelFromRest, directionFromRest, stateFromRest } from '../mapping/vocabulary.js';

export const Conversation: ConversationResolvers = {
  id: (c) => String(c.id),
  channel: (c) => channelFromRest(c.channel),
  rawChannel: (c) => c.channel,
  state: (c) => stateFromRest(c.state),
  direction: (c) => directionFromRest(c.direction),
  subject: (c) => c.subject ?? null,
  language: (c, _args, { dixa }) =>
    isPartial(c) ? thenMaybe(dixa.loaders.conversationDetails.get(c.id), (full) => full?.language ?? null) : (c.language ?? null),
  createdAt: (c) => toIsoDateTime(c.createdAt) ?? new Date(0).toISOString(),
  stateUpdatedAt: (c) => toIsoDateTime(c.stateUpdatedAt),
  assignedAt: (c) => toIsoDateTime(c.assignment?.assignedAt),
  customer: (c, _args, { dixa }) => (c.requesterId ? dixa.loaders.endUser.get(c.requesterId.toLowerCase()) : null),
  assignee: (c, _args, { dixa }) => (c.assignment?.agentId ? dixa.loaders.agent.get(c.assignment.agentId.toLowerCase()) : null),
  queue: (c, _args, { dixa }) => {
    const id = c.queue?.id;
    if (!id) return null;
    // A queue missing from the list (deleted since) is still known by its id.
    return thenMaybe(dixa.loaders.queue.get(id.toLowerCase()), (queue) => queue ?? { id });
  },
  messages: (c, _args, { dixa }) => dixa.loaders.messages.get(c.id),
  notes: (c, _args, { dixa }) => dixa.loaders.notes.get(c.id),
  tags: (c, _args, { dixa }) => dixa.loaders.conversationTags.get(c.id),
  customAttributes: (c, _args, { dixa }) => {
    if (c.customAttributes && !isPartial(c)) return c.customAttributes;
    // Dixa's list endpoints and webhook payloads leave custom attributes out; the full record has them.
    return thenMaybe(dixa.loaders.conversationDetails.get(c.id), (full) => full?.customAttributes ?? []);
  },
  replyable: (c, _args, { config }) =>
    config.dixa.access === 'read-write' && config.dixa.replyChannels.includes(channelFromRest(c.channel)),
};

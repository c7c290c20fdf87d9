// The resolver map: one module per type family.
import type { Resolvers } from '../generated/graphql.js';
import { Conversation } from './conversation.js';
import { Customer } from './customer.js';
import { Agent, Queue, Tag } from './directory.js';
import { ConversationEvent, Query as EventsQuery, Subscription } from './events.js';
import { Author, Message, Note } from './message.js';
import { Mutation } from './mutation.js';
import { Query } from './query.js';
import { Mutation as SyncMutation, Query as SyncQuery } from './sync.js';
import { DateTime, JSON } from './scalars.js';

export const resolvers: Resolvers = {
  DateTime,
  JSON,
  Query: { ...Query, ...EventsQuery, ...SyncQuery },
  Mutation: { ...Mutation, ...SyncMutation },
  Subscription,
  ConversationEvent,
  Conversation,
  Message,
  Author,
  Note,
  Customer,
  Agent,
  Queue,
  Tag,
};

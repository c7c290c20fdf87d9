// Message, Note and the Author union. Bodies are mapped by src/mapping/message-body.ts;
// the author is the customer for inbound messages and an agent otherwise, trying the
// other lookup when the first finds nobody (Dixa does not say which an author id is).
import type { AuthorResolvers, MessageResolvers, NoteResolvers } from '../generated/graphql.js';
import {
  messageAttachments,
  messageDirection,
  messageEmail,
  messageHtml,
  messageIsAutomated,
  messageText,
} from '../mapping/message-body.js';
import { toIsoDateTime } from '../mapping/timestamp.js';

const EPOCH = new Date(0).toISOString();

export const Message: MessageResolvers = {
  id: (m) => m.id,
  conversationId: (m) => String(m.conversationId),
  createdAt: (m) => toIsoDateTime(m.createdAt) ?? EPOCH,
  direction: (m) => messageDirection(m.attributes),
  authorId: (m) => m.authorId ?? null,
  author: async (m, _args, { dixa }) => {
    if (!m.authorId) return null;
    const id = m.authorId.toLowerCase();
    const asCustomer = () => dixa.loaders.endUser.load(id);
    const asAgent = () => dixa.loaders.agent.load(id);
    const [first, second] = messageDirection(m.attributes) === 'INBOUND' ? [asCustomer, asAgent] : [asAgent, asCustomer];
    return (await first()) ?? (await second());
  },
  text: (m) => messageText(m.attributes),
  html: (m) => messageHtml(m.attributes),
  isAutomated: (m) => messageIsAutomated(m.attributes),
  attachments: (m) => messageAttachments(m.attributes),
  email: (m) => messageEmail(m.attributes),
  externalId: (m) => m.externalId ?? null,
};

export const Author: AuthorResolvers = {
  // Agents carry roles; end users never do.
  __resolveType: (author) => ('roles' in author && Array.isArray(author.roles) ? 'Agent' : 'Customer'),
};

export const Note: NoteResolvers = {
  id: (n) => n.id,
  conversationId: (n) => String(n.csid),
  message: (n) => n.message,
  createdAt: (n) => toIsoDateTime(n.createdAt) ?? EPOCH,
  author: (n, _args, { dixa }) => (n.authorId ? dixa.loaders.agent.load(n.authorId.toLowerCase()) : null),
};

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
import { thenMaybe } from '../datasources/dixa/loaders.js';
import type { DixaAgent, DixaEndUser } from '../datasources/dixa/types.js';
import { toIsoDateTime } from '../mapping/timestamp.js';

const EPOCH = new Date(0).toISOString();

type Author = DixaAgent | DixaEndUser | null | Promise<DixaAgent | DixaEndUser | null>;

export const Message: MessageResolvers = {
  id: (m) => m.id,
  conversationId: (m) => String(m.conversationId),
  createdAt: (m) => toIsoDateTime(m.createdAt) ?? EPOCH,
  direction: (m) => messageDirection(m.attributes),
  authorId: (m) => m.authorId ?? null,
  author: (m, _args, { dixa }) => {
    if (!m.authorId) return null;
    const id = m.authorId.toLowerCase();
    const asCustomer = (): Author => dixa.loaders.endUser.get(id);
    const asAgent = (): Author => dixa.loaders.agent.get(id);
    const [first, second] = messageDirection(m.attributes) === 'INBOUND' ? [asCustomer, asAgent] : [asAgent, asCustomer];
    return thenMaybe(first(), (found) => found ?? second());
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
  author: (n, _args, { dixa }) => (n.authorId ? dixa.loaders.agent.get(n.authorId.toLowerCase()) : null),
};

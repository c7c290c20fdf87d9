// Root query fields: validate arguments, then read through the loaders. Nothing here
// calls Dixa directly.
import type { QueryResolvers } from '../generated/graphql.js';
import type { DixaConversation } from '../datasources/dixa/types.js';
import { readSlice } from '../datasources/dixa/pager.js';
import { buildSearchRequest } from '../mapping/search-request.js';
import { parseEmail, parseFirst, parseList } from '../validation/arguments.js';
import { parseConversationFilter, parseSearchText } from '../validation/search-arguments.js';
import { parseConversationId, parseUuid } from '../validation/ids.js';
import { checkDixaConnection } from '../datasources/dixa/connection-check.js';
import { DEMO_MODE_MESSAGE } from '../demo-mode.js';
import { toConversationConnection } from './conversation-connection.js';

/** `conversations(ids)` fans out to one Dixa read per id; this bounds one operation's share. */
export const MAX_IDS_PER_QUERY = 100;

export const Query: QueryResolvers = {
  conversation: (_root, args, { dixa }) => dixa.loaders.conversation.get(parseConversationId(args.id)),

  conversations: async (_root, args, { dixa }) => {
    const ids = parseList(args.ids, MAX_IDS_PER_QUERY, 'ids').map((id, i) => parseConversationId(id, `ids[${i}]`));
    // A failed id yields null at its index plus an error at that path, not a failed list.
    return (await dixa.loaders.conversation.loadMany(ids)) as (DixaConversation | null)[];
  },

  searchConversations: async (_root, args, { dixa }) => {
    const first = parseFirst(args.first, 20);
    const body = buildSearchRequest(parseSearchText(args.text), parseConversationFilter(args.filter));
    const slice = await readSlice((page) => dixa.loaders.searchPage.load({ body, page }), first, args.after);
    const conversations = await Promise.all(slice.edges.map((edge) => dixa.loaders.conversation.get(edge.item.id)));
    return toConversationConnection(slice, conversations);
  },

  customer: (_root, args, { dixa }) => dixa.loaders.endUser.get(parseUuid(args.id, 'customer')),
  customerByEmail: (_root, args, { dixa }) => dixa.loaders.endUserByEmail.get(parseEmail(args.email)),
  agent: (_root, args, { dixa }) => dixa.loaders.agent.get(parseUuid(args.id, 'agent')),
  agents: (_root, _args, { dixa }) => dixa.loaders.agents.get('all'),
  queues: (_root, _args, { dixa }) => dixa.loaders.queues.get('all'),
  tags: (_root, _args, { dixa }) => dixa.loaders.tags.get('all'),
  dixaConnection: async (_root, _args, { dixa, config }) => {
    const verdict = await checkDixaConnection(dixa.client, { apiUrl: config.dixa.apiUrl });
    return {
      ...verdict,
      // A working demo says so: its data is the embedded fake's, not an organization's.
      message: verdict.message ?? (config.demo ? DEMO_MODE_MESSAGE : null),
      accessMode: config.dixa.access === 'read-write' ? 'READ_WRITE' : 'READ_ONLY',
      replyChannels: config.dixa.replyChannels,
    };
  },
};

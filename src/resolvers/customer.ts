// Customer (Dixa end user) fields, and the customer's conversations, paginated by Dixa.
import type { CustomerResolvers } from '../generated/graphql.js';
import { thenMaybe } from '../datasources/dixa/loaders.js';
import { readSlice } from '../datasources/dixa/pager.js';
import { toIsoDateTime } from '../mapping/timestamp.js';
import { parseFirst } from '../validation/arguments.js';
import { toConversationConnection } from './conversation-connection.js';

export const Customer: CustomerResolvers = {
  id: (u) => u.id,
  displayName: (u) => u.displayName ?? null,
  email: (u) => u.email ?? null,
  phoneNumber: (u) => u.phoneNumber ?? null,
  firstName: (u) => u.firstName ?? null,
  lastName: (u) => u.lastName ?? null,
  externalId: (u) => u.externalId ?? null,
  avatarUrl: (u) => u.avatarUrl ?? null,
  createdAt: (u) => toIsoDateTime(u.createdAt),
  customAttributes: (u, _args, { dixa }) => {
    if (u.customAttributes) return u.customAttributes;
    // Found through a list (e.g. by email): only the full record has the attributes.
    return thenMaybe(dixa.loaders.endUser.get(u.id.toLowerCase()), (full) => full?.customAttributes ?? []);
  },
  conversations: async (u, args, { dixa }) => {
    const first = parseFirst(args.first, 20);
    const customerId = u.id.toLowerCase();
    const slice = await readSlice(
      async (page) => (await dixa.loaders.customerConversations.load({ customerId, page })) ?? { items: [], nextPageKey: undefined },
      first,
      args.after,
    );
    return toConversationConnection(slice, slice.edges.map((edge) => edge.item));
  },
};

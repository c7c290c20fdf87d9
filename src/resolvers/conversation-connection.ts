// Builds a ConversationConnection from a slice of Dixa pages (see pager.ts).
import type { Slice } from '../datasources/dixa/pager.js';
import type { DixaConversation } from '../datasources/dixa/types.js';

export interface ConversationConnectionModel {
  edges: { node: DixaConversation; cursor: string }[];
  nodes: DixaConversation[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * `slice` items resolve to conversations (null: gone since the page was read, e.g. a
 * search hit deleted in between, and left out).
 */
export function toConversationConnection(slice: Slice<unknown>, conversations: (DixaConversation | null)[]): ConversationConnectionModel {
  const edges: ConversationConnectionModel['edges'] = [];
  slice.edges.forEach((edge, i) => {
    const node = conversations[i];
    if (node) edges.push({ node, cursor: edge.cursor });
  });
  return { edges, nodes: edges.map((edge) => edge.node), pageInfo: { hasNextPage: slice.hasNextPage, endCursor: slice.endCursor } };
}

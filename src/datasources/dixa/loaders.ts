// Per-request DataLoaders over the shared cache: every Dixa read a resolver makes goes
// through here. DataLoader dedupes within one operation; the shared cache (keyed by the
// token's fingerprint) serves repeats across operations and merges concurrent identical
// loads. Dixa has no batch-get, so a batch becomes parallel single reads — except the
// directory lists (agents, queues, tags), where one list call answers every id.
import DataLoader from 'dataloader';
import type { DixaClient, Page, PageRequest } from './client.js';
import { isPartial } from './partial-records.js';
import type { SharedCache } from './shared-cache.js';
import type {
  DixaAgent,
  DixaConversation,
  DixaConversationMessage,
  DixaEndUser,
  DixaMessage,
  DixaNote,
  DixaOrganization,
  DixaQueue,
  DixaSearchHit,
  DixaSearchRequest,
  DixaTag,
} from './types.js';

export interface SearchPageKey {
  body: DixaSearchRequest;
  page: PageRequest;
}

export interface CustomerConversationsKey {
  customerId: string;
  page: PageRequest;
}

export interface DixaLoaders {
  conversation: DataLoader<number, DixaConversation | null>;
  /** The conversation as GET /conversations/{id} gives it: never a record built from a webhook. */
  conversationDetails: DataLoader<number, DixaConversation | null>;
  messages: DataLoader<number, DixaConversationMessage[]>;
  notes: DataLoader<number, DixaNote[]>;
  conversationTags: DataLoader<number, DixaTag[]>;
  endUser: DataLoader<string, DixaEndUser | null>;
  endUserByEmail: DataLoader<string, DixaEndUser | null>;
  agent: DataLoader<string, DixaAgent | null>;
  queue: DataLoader<string, DixaQueue | null>;
  agents: DataLoader<'all', DixaAgent[]>;
  queues: DataLoader<'all', DixaQueue[]>;
  tags: DataLoader<'all', DixaTag[]>;
  organization: DataLoader<'current', DixaOrganization | null>;
  searchPage: DataLoader<SearchPageKey, Page<DixaSearchHit>, string>;
  customerConversations: DataLoader<CustomerConversationsKey, Page<DixaConversation> | null, string>;
}

/**
 * A DataLoader whose batch is parallel single loads, and which forgets failures: a load
 * that failed is cleared, so a retry within the same operation asks again.
 */
function singleLoader<K, V, C = K>(load: (key: K) => Promise<V>, cacheKeyFn?: (key: K) => C): DataLoader<K, V, C> {
  const loader: DataLoader<K, V, C> = new DataLoader<K, V, C>(
    (keys) =>
      Promise.all(
        keys.map((key) =>
          load(key).catch((error: unknown) => {
            loader.clear(key);
            return error instanceof Error ? error : new Error(String(error));
          }),
        ),
      ),
    cacheKeyFn ? { cacheKeyFn } : {},
  );
  return loader;
}

// Id lookups over a directory list: built once per cached list object, not per request.
const indexes = new WeakMap<object, Map<string, unknown>>();
function indexById<T extends { id: string }>(list: T[]): Map<string, T> {
  let index = indexes.get(list) as Map<string, T> | undefined;
  if (!index) {
    index = new Map(list.map((item) => [item.id.toLowerCase(), item]));
    indexes.set(list, index);
  }
  return index;
}

function withConversationId(conversationId: number, messages: DixaMessage[] | null): DixaConversationMessage[] {
  return (messages ?? []).map((message) => ({ ...message, conversationId }));
}

const searchKey = ({ body, page }: SearchPageKey): string => JSON.stringify([body, page.pageLimit, page.pageKey ?? null]);
const customerConversationsKey = ({ customerId, page }: CustomerConversationsKey): string =>
  JSON.stringify([customerId, page.pageLimit, page.pageKey ?? null]);

export function createLoaders(client: DixaClient, cache: SharedCache): DixaLoaders {
  const scope = client.fingerprint;

  const agents = singleLoader((_: 'all') => cache.getOrLoad(scope, 'agents', 'all', () => client.listAgents()));
  const queues = singleLoader((_: 'all') => cache.getOrLoad(scope, 'queues', 'all', () => client.listQueues()));
  const tags = singleLoader((_: 'all') => cache.getOrLoad(scope, 'tags', 'all', () => client.listTags()));

  return {
    conversation: singleLoader((id: number) => cache.getOrLoad(scope, 'conversation', id, () => client.getConversation(id))),
    conversationDetails: singleLoader((id: number) => {
      const cached = cache.get<DixaConversation | null>(scope, 'conversation', id);
      if (cached?.value && isPartial(cached.value)) cache.delete(scope, 'conversation', id);
      return cache.getOrLoad(scope, 'conversation', id, () => client.getConversation(id));
    }),
    messages: singleLoader((id: number) =>
      cache.getOrLoad(scope, 'messages', id, async () => withConversationId(id, await client.listMessages(id))),
    ),
    notes: singleLoader((id: number) => cache.getOrLoad(scope, 'notes', id, async () => (await client.listNotes(id)) ?? [])),
    conversationTags: singleLoader((id: number) =>
      cache.getOrLoad(scope, 'conversationTags', id, async () => (await client.listConversationTags(id)) ?? []),
    ),
    endUser: singleLoader((id: string) => cache.getOrLoad(scope, 'endUser', id, () => client.getEndUser(id))),
    endUserByEmail: singleLoader((email: string) =>
      cache.getOrLoad(scope, 'endUserByEmail', email, async () => {
        const users = await client.findEndUsersByEmail(email);
        return users.find((user) => user.email?.toLowerCase() === email) ?? users[0] ?? null;
      }),
    ),
    // The agent list is small and answers every id; an id it lacks (an agent added since
    // the list was cached) costs one direct read, itself cached.
    agent: singleLoader(async (id: string) => {
      const found = indexById(await agents.load('all')).get(id);
      return found ?? cache.getOrLoad(scope, 'agent', id, () => client.getAgent(id));
    }),
    queue: singleLoader(async (id: string) => indexById(await queues.load('all')).get(id) ?? null),
    agents,
    queues,
    tags,
    organization: singleLoader((_: 'current') => cache.getOrLoad(scope, 'organization', 'current', () => client.getOrganization())),
    searchPage: singleLoader(
      (key: SearchPageKey) => cache.getOrLoad(scope, 'search', searchKey(key), () => client.searchConversations(key.body, key.page)),
      searchKey,
    ),
    customerConversations: singleLoader(
      (key: CustomerConversationsKey) =>
        cache.getOrLoad(scope, 'customerConversations', customerConversationsKey(key), () =>
          client.listEndUserConversations(key.customerId, key.page),
        ),
      customerConversationsKey,
    ),
  };
}

// Per-request DataLoaders over the shared cache: every Dixa read a resolver makes goes
// through here. DataLoader dedupes within one operation; the shared cache (keyed by the
// token's fingerprint) serves repeats across operations and merges concurrent identical
// loads. Dixa has no batch-get, so a batch becomes parallel single reads — except the
// directory lists (agents, queues, tags), where one list call answers every id.
import DataLoader from 'dataloader';
import type { DixaClient, Page, PageRequest } from './client.js';
import { isPartial } from './partial-records.js';
import type { SharedCache } from './shared-cache.js';
import type { CacheKind } from '../../config.js';
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
  conversation: GatewayLoader<number, DixaConversation | null>;
  /** The conversation as GET /conversations/{id} gives it: never a record built from a webhook. */
  conversationDetails: GatewayLoader<number, DixaConversation | null>;
  messages: GatewayLoader<number, DixaConversationMessage[]>;
  notes: GatewayLoader<number, DixaNote[]>;
  conversationTags: GatewayLoader<number, DixaTag[]>;
  endUser: GatewayLoader<string, DixaEndUser | null>;
  endUserByEmail: GatewayLoader<string, DixaEndUser | null>;
  agent: GatewayLoader<string, DixaAgent | null>;
  queue: GatewayLoader<string, DixaQueue | null>;
  agents: GatewayLoader<'all', DixaAgent[]>;
  queues: GatewayLoader<'all', DixaQueue[]>;
  tags: GatewayLoader<'all', DixaTag[]>;
  organization: GatewayLoader<'current', DixaOrganization | null>;
  searchPage: GatewayLoader<SearchPageKey, Page<DixaSearchHit>, string>;
  customerConversations: GatewayLoader<CustomerConversationsKey, Page<DixaConversation> | null, string>;
}

type Peek<K, V> = (key: K) => { value: V } | undefined;

/**
 * A DataLoader with a synchronous front door: `get` answers at once from the shared cache
 * when it holds the value, and only a miss goes through the batched, deduped `load`. On a
 * warm cache a whole operation then resolves without a promise per field.
 */
export class GatewayLoader<K, V, C = K> extends DataLoader<K, V, C> {
  constructor(
    batch: DataLoader.BatchLoadFn<K, V>,
    options: DataLoader.Options<K, V, C>,
    private readonly peek: Peek<K, V>,
  ) {
    super(batch, options);
  }

  get(key: K): V | Promise<V> {
    const hit = this.peek(key);
    return hit ? hit.value : this.load(key);
  }
}

/** `fn` applied to a value that may not have arrived yet, without a promise when it has. */
export function thenMaybe<T, R>(value: T | Promise<T>, fn: (value: T) => R | Promise<R>): R | Promise<R> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

/**
 * A loader whose batch is parallel single loads, and which forgets failures: a load that
 * failed is cleared, so a retry within the same operation asks again.
 */
function singleLoader<K, V, C = K>(load: (key: K) => Promise<V>, peek: Peek<K, V>, cacheKeyFn?: (key: K) => C): GatewayLoader<K, V, C> {
  const loader: GatewayLoader<K, V, C> = new GatewayLoader<K, V, C>(
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
    peek,
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
/** What every cached page of one customer's conversations starts with (`["<uuid>"`). */
export const customerConversationsPrefix = (customerId: string): string => JSON.stringify([customerId.toLowerCase()]).slice(0, -1);

const customerConversationsKey = ({ customerId, page }: CustomerConversationsKey): string =>
  JSON.stringify([customerId, page.pageLimit, page.pageKey ?? null]);

export function createLoaders(client: DixaClient, cache: SharedCache): DixaLoaders {
  const scope = client.fingerprint;
  const peek =
    <V>(kind: CacheKind) =>
    (id: string | number) =>
      cache.peek<V>(scope, kind, id);

  const agents = singleLoader((_: 'all') => cache.getOrLoad(scope, 'agents', 'all', () => client.listAgents()), peek<DixaAgent[]>('agents'));
  const queues = singleLoader((_: 'all') => cache.getOrLoad(scope, 'queues', 'all', () => client.listQueues()), peek<DixaQueue[]>('queues'));
  const tags = singleLoader((_: 'all') => cache.getOrLoad(scope, 'tags', 'all', () => client.listTags()), peek<DixaTag[]>('tags'));
  const listed = <T extends { id: string }>(kind: 'agents' | 'queues', id: string): { found: T | undefined } | undefined => {
    const list = cache.peek<T[]>(scope, kind, 'all');
    return list && { found: indexById(list.value).get(id) };
  };

  return {
    conversation: singleLoader((id: number) => cache.getOrLoad(scope, 'conversation', id, () => client.getConversation(id)), peek('conversation')),
    conversationDetails: singleLoader(
      (id: number) => {
        const cached = cache.get<DixaConversation | null>(scope, 'conversation', id);
        if (cached?.value && isPartial(cached.value)) cache.delete(scope, 'conversation', id);
        return cache.getOrLoad(scope, 'conversation', id, () => client.getConversation(id));
      },
      (id) => {
        const hit = cache.peek<DixaConversation | null>(scope, 'conversation', id);
        return hit && !(hit.value && isPartial(hit.value)) ? hit : undefined;
      },
    ),
    messages: singleLoader(
      (id: number) => cache.getOrLoad(scope, 'messages', id, async () => withConversationId(id, await client.listMessages(id))),
      peek('messages'),
    ),
    notes: singleLoader((id: number) => cache.getOrLoad(scope, 'notes', id, async () => (await client.listNotes(id)) ?? []), peek('notes')),
    conversationTags: singleLoader(
      (id: number) => cache.getOrLoad(scope, 'conversationTags', id, async () => (await client.listConversationTags(id)) ?? []),
      peek('conversationTags'),
    ),
    endUser: singleLoader((id: string) => cache.getOrLoad(scope, 'endUser', id, () => client.getEndUser(id)), peek('endUser')),
    endUserByEmail: singleLoader(
      (email: string) =>
        cache.getOrLoad(scope, 'endUserByEmail', email, async () => {
          const users = await client.findEndUsersByEmail(email);
          return users.find((user) => user.email?.toLowerCase() === email) ?? users[0] ?? null;
        }),
      peek('endUserByEmail'),
    ),
    // The agent list is small and answers every id; an id it lacks (an agent added since
    // the list was cached) costs one direct read, itself cached.
    agent: singleLoader(
      async (id: string) => {
        const found = indexById(await agents.load('all')).get(id);
        return found ?? cache.getOrLoad(scope, 'agent', id, () => client.getAgent(id));
      },
      (id) => {
        const inList = listed<DixaAgent>('agents', id);
        if (inList?.found) return { value: inList.found };
        return inList ? cache.peek<DixaAgent | null>(scope, 'agent', id) : undefined;
      },
    ),
    queue: singleLoader(
      async (id: string) => indexById(await queues.load('all')).get(id) ?? null,
      (id) => {
        const inList = listed<DixaQueue>('queues', id);
        return inList && { value: inList.found ?? null };
      },
    ),
    agents,
    queues,
    tags,
    organization: singleLoader(
      (_: 'current') => cache.getOrLoad(scope, 'organization', 'current', () => client.getOrganization()),
      peek('organization'),
    ),
    searchPage: singleLoader(
      (key: SearchPageKey) => cache.getOrLoad(scope, 'search', searchKey(key), () => client.searchConversations(key.body, key.page)),
      (key) => cache.peek(scope, 'search', searchKey(key)),
      searchKey,
    ),
    customerConversations: singleLoader(
      (key: CustomerConversationsKey) =>
        cache.getOrLoad(scope, 'customerConversations', customerConversationsKey(key), () =>
          client.listEndUserConversations(key.customerId, key.page),
        ),
      (key) => cache.peek(scope, 'customerConversations', customerConversationsKey(key)),
      customerConversationsKey,
    ),
  };
}

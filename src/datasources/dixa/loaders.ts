// Per-request DataLoaders over the shared cache: every Dixa read a resolver makes goes
// through here. DataLoader dedupes within one operation; the shared cache (keyed by the
// token's fingerprint) serves repeats across operations and merges concurrent identical
// loads. Dixa has no batch-get, so a batch becomes parallel single reads — except the
// directory lists (agents, queues, tags), where one list call answers every id.
import DataLoader from 'dataloader';
import type { DixaClient, Page } from './client.js';
import { isPartial } from './partial-records.js';
import { cacheRefs, type CacheRef, type CustomerConversationsKey, type DixaCache, type SearchPageKey } from './dixa-cache.js';
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
  DixaTag,
} from './types.js';

export type { CustomerConversationsKey, SearchPageKey } from './dixa-cache.js';

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

/** The DataLoader key of a listing page: the id of its cache entry. */
const searchKey = (key: SearchPageKey): string => cacheRefs.searchPage(key).id;
const customerConversationsKey = (key: CustomerConversationsKey): string => cacheRefs.customerConversations(key).id;

export function createLoaders(client: DixaClient, cache: DixaCache): DixaLoaders {
  const scope = client.fingerprint;
  const lookup =
    <K, V>(ref: (key: K) => CacheRef) =>
    (key: K) =>
      cache.lookup<V>(scope, ref(key));
  const cached = <K, V>(ref: (key: K) => CacheRef, load: (key: K) => Promise<V>) => (key: K) => cache.getOrLoad(scope, ref(key), () => load(key));

  const agents = singleLoader(cached(() => cacheRefs.directory('agents'), () => client.listAgents()), lookup<'all', DixaAgent[]>(() => cacheRefs.directory('agents')));
  const queues = singleLoader(cached(() => cacheRefs.directory('queues'), () => client.listQueues()), lookup<'all', DixaQueue[]>(() => cacheRefs.directory('queues')));
  const tags = singleLoader(cached(() => cacheRefs.directory('tags'), () => client.listTags()), lookup<'all', DixaTag[]>(() => cacheRefs.directory('tags')));
  const listed = <T extends { id: string }>(kind: 'agents' | 'queues', id: string): { found: T | undefined } | undefined => {
    const list = cache.lookup<T[]>(scope, cacheRefs.directory(kind));
    return list && { found: indexById(list.value).get(id) };
  };

  return {
    conversation: singleLoader(cached(cacheRefs.conversation, (id) => client.getConversation(id)), lookup(cacheRefs.conversation)),
    conversationDetails: singleLoader(
      (id: number) => {
        const hit = cache.peek<DixaConversation | null>(scope, cacheRefs.conversation(id));
        if (hit?.value && isPartial(hit.value)) cache.conversationChanged(scope, id);
        return cache.getOrLoad(scope, cacheRefs.conversation(id), () => client.getConversation(id));
      },
      (id) => {
        const hit = cache.lookup<DixaConversation | null>(scope, cacheRefs.conversation(id));
        return hit && !(hit.value && isPartial(hit.value)) ? hit : undefined;
      },
    ),
    messages: singleLoader(
      cached(
        (id: number) => cacheRefs.part('messages', id),
        async (id) => withConversationId(id, await client.listMessages(id)),
      ),
      lookup((id: number) => cacheRefs.part('messages', id)),
    ),
    notes: singleLoader(
      cached(
        (id: number) => cacheRefs.part('notes', id),
        async (id) => (await client.listNotes(id)) ?? [],
      ),
      lookup((id: number) => cacheRefs.part('notes', id)),
    ),
    conversationTags: singleLoader(
      cached(
        (id: number) => cacheRefs.part('conversationTags', id),
        async (id) => (await client.listConversationTags(id)) ?? [],
      ),
      lookup((id: number) => cacheRefs.part('conversationTags', id)),
    ),
    endUser: singleLoader(cached(cacheRefs.endUser, (id) => client.getEndUser(id)), lookup(cacheRefs.endUser)),
    endUserByEmail: singleLoader(
      cached(cacheRefs.endUserByEmail, async (email) => {
        const users = await client.findEndUsersByEmail(email);
        return users.find((user) => user.email?.toLowerCase() === email) ?? users[0] ?? null;
      }),
      lookup(cacheRefs.endUserByEmail),
    ),
    // The agent list is small and answers every id; an id it lacks (an agent added since
    // the list was cached) costs one direct read, itself cached.
    agent: singleLoader(
      async (id: string) => {
        const found = indexById(await agents.load('all')).get(id);
        return found ?? cache.getOrLoad(scope, cacheRefs.agent(id), () => client.getAgent(id));
      },
      (id) => {
        const inList = listed<DixaAgent>('agents', id);
        if (inList?.found) return { value: inList.found };
        return inList ? cache.lookup<DixaAgent | null>(scope, cacheRefs.agent(id)) : undefined;
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
    organization: singleLoader(cached(cacheRefs.organization, () => client.getOrganization()), lookup(cacheRefs.organization)),
    searchPage: singleLoader(
      cached(cacheRefs.searchPage, (key) => client.searchConversations(key.body, key.page)),
      lookup(cacheRefs.searchPage),
      searchKey,
    ),
    customerConversations: singleLoader(
      cached(cacheRefs.customerConversations, (key) => client.listEndUserConversations(key.customerId, key.page)),
      lookup(cacheRefs.customerConversations),
      customerConversationsKey,
    ),
  };
}

// The owner of cached Dixa records: the one module that builds cache keys and tags, picks
// TTLs, merges concurrent loads, and turns "what changed" into what to forget. Loaders read
// through it; the write path and the webhook path only say what changed
// (`conversationChanged`, `messageAdded`, `conversationListsChanged`, ...) and never see a
// key. Keys and tags are computed by the same functions (`cacheRefs`) for reads and for
// invalidation, as RESTDataSource's `cacheKeyFor` is. Scopes are token fingerprints.
import type { CacheKind } from '../../config.js';
import type { PageRequest } from './client.js';
import { MemoryCacheStore, type CacheStore, type MemoryCacheStoreOptions } from './cache-store.js';
import type { CacheSecondLevel, RemoteCacheChange } from './cache-second-level.js';
import type { DixaConversation, DixaConversationMessage, DixaEndUser, DixaSearchRequest } from './types.js';

/** One cached record: its kind, its id within the kind, and the groups it belongs to. */
export interface CacheRef {
  kind: CacheKind;
  id: string;
  tags?: readonly string[];
}

export interface SearchPageKey {
  body: DixaSearchRequest;
  page: PageRequest;
}

export interface CustomerConversationsKey {
  customerId: string;
  page: PageRequest;
}

/** The per-conversation lists a change can make stale. */
export type ConversationPart = 'conversation' | 'messages' | 'notes' | 'conversationTags';
export type DirectoryKind = 'agents' | 'queues' | 'tags';

const SEARCH = 'search';
/** Full-text search pages, which a new message or note may change. */
const TEXT_SEARCH = 'search:text';
const customerTag = (customerId: string) => `customer:${customerId.toLowerCase()}`;

/** How every cached record is addressed: used for reads and for invalidation alike. */
export const cacheRefs = {
  conversation: (id: number): CacheRef => ({ kind: 'conversation', id: String(id) }),
  part: (part: ConversationPart, id: number): CacheRef => ({ kind: part, id: String(id) }),
  endUser: (id: string): CacheRef => ({ kind: 'endUser', id: id.toLowerCase() }),
  endUserByEmail: (email: string): CacheRef => ({ kind: 'endUserByEmail', id: email }),
  agent: (id: string): CacheRef => ({ kind: 'agent', id }),
  directory: (kind: DirectoryKind): CacheRef => ({ kind, id: 'all' }),
  organization: (): CacheRef => ({ kind: 'organization', id: 'current' }),
  searchPage: ({ body, page }: SearchPageKey): CacheRef => ({
    kind: 'search',
    id: JSON.stringify([body, page.pageLimit, page.pageKey ?? null]),
    tags: body.query ? [SEARCH, TEXT_SEARCH] : [SEARCH],
  }),
  customerConversations: ({ customerId, page }: CustomerConversationsKey): CacheRef => ({
    kind: 'customerConversations',
    id: JSON.stringify([customerId, page.pageLimit, page.pageKey ?? null]),
    tags: [customerTag(customerId)],
  }),
};

/** What Dixa's conversation webhooks keep fresh (the webhook path updates or drops them). */
const WEBHOOK_FRESH_KINDS: ReadonlySet<CacheKind> = new Set(['conversation', 'messages', 'notes', 'conversationTags', 'search', 'customerConversations']);

export interface CachePolicy {
  ttlSeconds: Record<CacheKind, number>;
  /** TTL of the conversation-scoped kinds for a token whose changes arrive as webhooks. */
  webhookTtlSeconds: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  deduped: number;
}

/** How long a replica waits for another replica's read of the same entry, and how often it looks. */
const LOAD_WAIT_MS = 10_000;
const LOAD_POLL_MS = 50;

/** A load under way; `stale` is set when what it reads is invalidated before it finishes. */
interface Inflight {
  promise: Promise<unknown>;
  stale: boolean;
  tags: readonly string[];
}

/** Which cached search pages a change may have made wrong. */
export type SearchesChanged = 'all' | 'text' | 'none';

export class DixaCache {
  private readonly inflight = new Map<string, Inflight>();
  private readonly webhookFed = new Set<string>();
  readonly stats: CacheStats = { hits: 0, misses: 0, deduped: 0 };

  /**
   * `second`: a level shared by replicas (Redis), read when `store` (this process's first
   * level) misses; what it reports other replicas changed is dropped from `store`.
   */
  constructor(
    readonly store: CacheStore,
    private readonly policy: CachePolicy,
    private readonly second?: CacheSecondLevel,
  ) {
    second?.onRemoteChange((change) => this.forgetLocal(change));
  }

  /** A token seen on a request: the second level may now seal and open this scope's entries. */
  admitToken(scope: string, token: string): void {
    this.second?.admit(scope, token);
  }

  /** The in-process store as the first level under the owner, over an optional shared second level. */
  static inMemory(options: CachePolicy & MemoryCacheStoreOptions, second?: CacheSecondLevel): DixaCache {
    return new DixaCache(new MemoryCacheStore(options), options, second);
  }

  private static key(scope: string, ref: CacheRef): string {
    return `${scope}:${ref.kind}:${ref.id}`;
  }

  private static tags(scope: string, ref: CacheRef): string[] {
    return (ref.tags ?? []).map((tag) => `${scope}:${tag}`);
  }

  /**
   * Webhooks keep this token's conversations fresh: a change arrives as an event and
   * updates or drops exactly what it touched, so those entries may live far longer than a
   * TTL that stands in for "how stale may it get".
   */
  keepFresh(scope: string): void {
    this.webhookFed.add(scope);
  }

  private ttlMs(scope: string, kind: CacheKind): number {
    const base = this.policy.ttlSeconds[kind];
    if (base > 0 && WEBHOOK_FRESH_KINDS.has(kind) && this.webhookFed.has(scope)) return Math.max(base, this.policy.webhookTtlSeconds) * 1000;
    return base * 1000;
  }

  /** A read on behalf of a resolver, counted as a hit when it is one. */
  lookup<T>(scope: string, ref: CacheRef): { value: T } | undefined {
    const hit = this.peek<T>(scope, ref);
    if (hit) this.stats.hits++;
    return hit;
  }

  /** Will this record still be cached `forMs` from now? (The prefetch skips what is fresh.) */
  isFresh(scope: string, ref: CacheRef, forMs = 0): boolean {
    return this.store.remainingTtlMs(DixaCache.key(scope, ref)) > forMs;
  }

  /**
   * The prefetch renews a record about to expire: forget the stored value, so the next load
   * reads Dixa. A load already under way is kept: what it reads is newer still.
   */
  renewing(scope: string, ref: CacheRef): void {
    this.store.delete(DixaCache.key(scope, ref));
  }

  /** What is cached, without counting (the write and webhook paths looking before they change). */
  peek<T>(scope: string, ref: CacheRef): { value: T } | undefined {
    return this.store.get<T>(DixaCache.key(scope, ref));
  }

  /** Stores in both levels; `announce`: a newer value other replicas' first levels must drop the old one for. */
  private put(scope: string, ref: CacheRef, value: unknown, announce = false): void {
    const key = DixaCache.key(scope, ref);
    const options = { ttlMs: this.ttlMs(scope, ref.kind), tags: DixaCache.tags(scope, ref) };
    this.store.set(key, value, options);
    this.second?.set(scope, key, value, options, announce);
  }

  /** Forgets the value, and makes a load already under way not store what it read. */
  private drop(scope: string, ref: CacheRef): void {
    const key = DixaCache.key(scope, ref);
    this.dropLocal(key);
    this.second?.delete(scope, key);
  }

  private dropLocal(key: string): void {
    this.store.delete(key);
    this.abandon((candidate) => candidate === key);
  }

  private dropTagged(scope: string, tags: readonly string[]): void {
    if (tags.length === 0) return;
    const scoped = tags.map((tag) => `${scope}:${tag}`);
    this.dropTaggedLocal(scoped);
    this.second?.invalidate(scope, scoped);
  }

  private dropTaggedLocal(scoped: readonly string[]): void {
    this.store.invalidate(scoped);
    // A page being read right now may already be out of date: it must not be stored.
    this.abandon((_, pending) => pending.tags.some((tag) => scoped.includes(tag)));
  }

  /** Another replica changed these: only this process's first level (and its loads under way) forget them. */
  private forgetLocal(change: RemoteCacheChange): void {
    if ('all' in change) {
      this.store.clear();
      this.abandon(() => true);
      return;
    }
    for (const key of change.keys) this.dropLocal(key);
    if (change.tags.length > 0) this.dropTaggedLocal(change.tags);
  }

  private abandon(matches: (key: string, pending: Inflight) => boolean): void {
    for (const [key, pending] of this.inflight) {
      if (!matches(key, pending)) continue;
      pending.stale = true;
      this.inflight.delete(key);
    }
  }

  /**
   * The cached value, else the in-flight load of the same record, else a new load whose
   * result (null included) is cached. A rejected load leaves nothing behind.
   */
  async getOrLoad<T>(scope: string, ref: CacheRef, load: () => Promise<T>): Promise<T> {
    const key = DixaCache.key(scope, ref);
    const entry = this.store.get<T>(key);
    if (entry) {
      this.stats.hits++;
      return entry.value;
    }
    const pending = this.inflight.get(key);
    if (pending) {
      this.stats.deduped++;
      return pending.promise as Promise<T>;
    }
    const inflight: Inflight = { promise: Promise.resolve(), stale: false, tags: DixaCache.tags(scope, ref) };
    const done = () => {
      if (this.inflight.get(key) === inflight) this.inflight.delete(key);
    };
    const fromDixa = (): Promise<T> => {
      this.stats.misses++;
      return load();
    };
    // First level missed: the second (another replica's read, or before a restart), then Dixa.
    let fromSecond: { ttlMs: number } | undefined;
    let claimed = false;
    const second = this.second;
    const read = second
      ? second.get(scope, key).then(async (hit) => {
          // Several replicas missing one entry at once: one reads Dixa, the others wait for its value.
          if (!hit && this.ttlMs(scope, ref.kind) > 0) {
            claimed = await second.claimLoad(scope, key);
            if (!claimed) hit = await this.awaitSecond(second, scope, key, inflight);
          }
          if (hit) {
            this.stats.hits++;
            fromSecond = { ttlMs: hit.ttlMs };
            return hit.value as T;
          }
          return fromDixa();
        })
      : fromDixa();
    // A claimed read lets go once its value is stored (or it failed), so the next miss reads at once.
    const release = () => {
      if (claimed) second?.releaseLoad(scope, key);
    };
    const promise = read.then(
      (value) => {
        done();
        if (inflight.stale) {
          release();
          return value;
        }
        // A second-level hit goes to the first level only, with the time it has left there.
        if (fromSecond) this.store.set(key, value, { ttlMs: fromSecond.ttlMs, tags: inflight.tags });
        else this.put(scope, ref, value);
        release();
        return value;
      },
      (error: unknown) => {
        done();
        release();
        throw error;
      },
    );
    inflight.promise = promise;
    this.inflight.set(key, inflight);
    return promise;
  }

  /** The value another replica is reading from Dixa, once it is stored; undefined after LOAD_WAIT_MS. */
  private async awaitSecond(second: CacheSecondLevel, scope: string, key: string, inflight: Inflight): Promise<{ value: unknown; ttlMs: number } | undefined> {
    for (let waited = 0; waited < LOAD_WAIT_MS && !inflight.stale; waited += LOAD_POLL_MS) {
      await new Promise((resolve) => setTimeout(resolve, LOAD_POLL_MS));
      const hit = await second.get(scope, key);
      if (hit) return hit;
    }
    return undefined;
  }

  // ---- What changed: the write path and the webhook path call these. ----

  /** Stores a newer value; dropping first also stops a read under way from storing older data. */
  private replace(scope: string, ref: CacheRef, value: unknown): void {
    this.dropLocal(DixaCache.key(scope, ref));
    // One write over the old value in the second level, then the announcement: another
    // replica drops its first-level copy and its next read finds the new value there.
    this.put(scope, ref, value, true);
  }

  /** The conversation record changed: store the new one, or forget it when it is not known. */
  conversationChanged(scope: string, id: number, conversation?: DixaConversation): void {
    if (conversation) this.replace(scope, cacheRefs.conversation(id), conversation);
    else this.drop(scope, cacheRefs.conversation(id));
  }

  /** These lists of one conversation (or its record) changed in a way only Dixa can tell. */
  conversationPartsChanged(scope: string, id: number, parts: readonly ConversationPart[]): void {
    for (const part of parts) this.drop(scope, cacheRefs.part(part, id));
  }

  /** The conversation's messages, as just read from Dixa (fresher than any cached list). */
  messagesRead(scope: string, id: number, messages: DixaConversationMessage[]): void {
    this.replace(scope, cacheRefs.part('messages', id), messages);
  }

  /**
   * A message was added: written into the cached list when there is one (so the next read
   * costs no Dixa call), else nothing is cached to change.
   */
  messageAdded(scope: string, id: number, message: DixaConversationMessage): void {
    const cached = this.peek<DixaConversationMessage[]>(scope, cacheRefs.part('messages', id))?.value;
    if (cached) this.messagesRead(scope, id, [...cached.filter((m) => m.id !== message.id), message]);
    else this.drop(scope, cacheRefs.part('messages', id));
  }

  /** Does the cached message list already hold this message (e.g. a reply written through)? */
  holdsMessage(scope: string, id: number, messageId: string | undefined): boolean {
    if (!messageId) return false;
    const cached = this.peek<{ id: string }[]>(scope, cacheRefs.part('messages', id))?.value;
    return cached?.some((message) => message.id === messageId) ?? false;
  }

  /**
   * Conversations may have entered or left listings: search pages (all of them, or only
   * full-text ones), and one customer's conversation lists. Pages hold ids only, so no
   * change can patch them.
   */
  conversationListsChanged(scope: string, change: { searches: SearchesChanged; customerId?: string | undefined }): void {
    const tags: string[] = [];
    if (change.searches === 'all') tags.push(SEARCH);
    if (change.searches === 'text') tags.push(TEXT_SEARCH);
    if (change.customerId) tags.push(customerTag(change.customerId));
    this.dropTagged(scope, tags);
  }

  /** A directory list (agents, queues, tags) changed. */
  directoryChanged(scope: string, kind: DirectoryKind): void {
    this.drop(scope, cacheRefs.directory(kind));
  }

  /** An end user was created or read: known by id and by e-mail at once. */
  endUserSaved(scope: string, user: DixaEndUser): void {
    this.replace(scope, cacheRefs.endUser(user.id), user);
    const email = user.email?.trim().toLowerCase();
    if (email) this.replace(scope, cacheRefs.endUserByEmail(email), user);
  }

  /** An end user with this address may exist now (a create may have landed): forget the lookup. */
  endUserEmailChanged(scope: string, email: string): void {
    this.drop(scope, cacheRefs.endUserByEmail(email));
  }

  get size(): { entries: number; bytes: number } {
    return this.store.size;
  }

  /** Forgets everything (operators' and tests' clean slate). */
  clear(): void {
    this.store.clear();
    this.inflight.clear();
  }
}

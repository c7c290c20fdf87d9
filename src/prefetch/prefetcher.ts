// Keeps the configured token's OPEN and PENDING conversations warm, so the first agent to
// open the inbox finds it cached instead of waiting on Dixa's 10 calls/s. At start and then
// every `relistEveryMs` it pages through the inbox's own search (so the inbox's pages are
// cached too) and warms every conversation it lists, a few at a time, at background
// priority: the limiter gives these calls only the slots interactive work leaves, within
// DIXA_BACKGROUND_SHARE. Webhook events (told through `conversationEvent`) keep the set
// current between listings: a conversation that opens joins it, one that closes leaves it,
// and a change that made part of a member stale is read again at once.
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { cacheRefs, type DixaCache } from '../datasources/dixa/dixa-cache.js';
import type { RequestDixa } from '../datasources/dixa/index.js';
import type { ConversationEventApplied } from '../events/webhook-cache-updates.js';
import { buildSearchRequest } from '../mapping/search-request.js';
import { Warmer, type WarmReads } from './warm-conversation.js';

/** The inbox's page size (`first: 25`): the prefetch's listing pages are then the inbox's pages. */
export const INBOX_PAGE = 25;
/** A bound on one listing: 1000 pages of 25 conversations. */
const MAX_PAGES = 1000;
const OPEN_SEARCH = buildSearchRequest(null, { states: ['OPEN', 'PENDING'] });

/** Events after which the inbox's first page may list other conversations (it is re-read). */
const MOVES_IN_INBOX: ReadonlySet<string> = new Set([
  'CREATED', 'OPENED', 'PENDING', 'PENDING_EXPIRED', 'CLOSED', 'ABANDONED',
  'ASSIGNED', 'UNASSIGNED', 'TRANSFERRED', 'ENQUEUED', 'TAG_ADDED', 'TAG_REMOVED',
]);
const LEAVES: ReadonlySet<string> = new Set(['CLOSED', 'ABANDONED']);
const JOINS: ReadonlySet<string> = new Set(['CREATED', 'OPENED', 'PENDING', 'PENDING_EXPIRED']);

export interface PrefetchSource {
  cache: DixaCache;
  /** The configured token's fingerprint: the cache scope of what is warmed. */
  fingerprint: string;
  /** A client and loaders for the configured token, at background priority. */
  forBackground(signal: AbortSignal): RequestDixa;
}

export interface PrefetcherOptions {
  source: PrefetchSource;
  logger: Logger;
  /** Conversations warmed at once (each is 3-4 reads); the limiter paces them. */
  concurrency?: number;
  relistEveryMs?: number;
  /** Records expiring within this are renewed; default: one listing interval. */
  marginMs?: number;
  /** After an event that moves conversations in the inbox, its first page is read again this much later. */
  firstPageDelayMs?: number;
  clock?: Clock;
}

export interface WarmupReport {
  conversations: number;
  /** Records read from Dixa (one call each, before any retry). */
  calls: number;
  seconds: number;
}

export class Prefetcher {
  /** The prefetch set: open and pending conversations by id. */
  private readonly members = new Set<number>();
  /** Members waiting to be warmed, oldest first. */
  private readonly queue = new Set<number>();
  private running = 0;
  /** Conversations being warmed now. */
  private readonly active = new Set<number>();
  private listing: Promise<void> | undefined;
  /** Set membership told by events while a listing is under way (the listing may predate them). */
  private readonly toldDuringListing = new Map<number, boolean>();
  private readonly aborter = new AbortController();
  private readonly counter: WarmReads = { reads: 0 };
  private readonly warmer: Warmer;
  private relistTimer: NodeJS.Timeout | undefined;
  private firstPageTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private startedAt = 0;
  private firstDone = false;
  /** A listing has succeeded: only then can a warm-up be complete. */
  private listedOnce = false;
  private stopped = false;
  private resolveFirst!: (report: WarmupReport) => void;
  /** Resolves when the first warm-up has completed (never, when stopped before). */
  readonly firstWarmup: Promise<WarmupReport>;
  report: WarmupReport | undefined;
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly relistEveryMs: number;
  private readonly firstPageDelayMs: number;

  constructor(private readonly options: PrefetcherOptions) {
    this.clock = options.clock ?? systemClock;
    this.concurrency = options.concurrency ?? 4;
    this.relistEveryMs = options.relistEveryMs ?? 30_000;
    this.firstPageDelayMs = options.firstPageDelayMs ?? 1_000;
    this.warmer = new Warmer(options.source.cache, options.marginMs ?? this.relistEveryMs, this.counter);
    this.firstWarmup = new Promise((resolve) => (this.resolveFirst = resolve));
    // Every queued Dixa call of the prefetch listens on this one signal.
    setMaxListeners(0, this.aborter.signal);
  }

  start(): void {
    if (this.stopped || this.startedAt) return;
    this.startedAt = this.clock.now();
    this.relist();
    this.relistTimer = setInterval(() => this.relist(), this.relistEveryMs);
    this.relistTimer.unref();
  }

  /** Stops reading: queued calls are cancelled, and nothing new starts. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.relistTimer);
    clearTimeout(this.firstPageTimer);
    this.firstPageTimer = undefined;
    this.queue.clear();
    this.aborter.abort();
    this.settle();
  }

  /** Conversations in the prefetch set. */
  get size(): number {
    return this.members.size;
  }

  /** Dixa reads the prefetch has made (records missing or about to expire). */
  get calls(): number {
    return this.counter.reads;
  }

  /** Members whose record, messages and tags are all cached and fresh now. */
  get warm(): number {
    let warm = 0;
    const { cache, fingerprint } = this.options.source;
    for (const id of this.members) {
      const refs = [cacheRefs.conversation(id), cacheRefs.part('messages', id), cacheRefs.part('conversationTags', id)];
      if (refs.every((ref) => cache.isFresh(fingerprint, ref))) warm++;
    }
    return warm;
  }

  /** Resolves when nothing is being listed, warmed or waiting to be (tests and the bench wait on it). */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** A webhook event was applied to the cache (src/events/webhook-cache-updates.ts). */
  conversationEvent({ conversationId: id, type, status }: ConversationEventApplied): void {
    if (this.stopped || !this.startedAt) return;
    const leaves = status === 'CLOSED' || LEAVES.has(type);
    const joins = !leaves && (status === 'OPEN' || status === 'PENDING' || JOINS.has(type));
    if (leaves) {
      this.members.delete(id);
      this.queue.delete(id);
    } else if (joins) this.members.add(id);
    if (this.listing && (leaves || joins)) this.toldDuringListing.set(id, joins);
    // The event may have dropped a list (messages, tags) or the record: read what is missing.
    if (this.members.has(id)) this.enqueue(id);
    if (MOVES_IN_INBOX.has(type)) this.scheduleFirstPage();
  }

  private source(): RequestDixa {
    return this.options.source.forBackground(this.aborter.signal);
  }

  private get idle(): boolean {
    return this.stopped || (!this.listing && this.running === 0 && this.queue.size === 0 && !this.firstPageTimer);
  }

  /** Lists the open set again and warms every member that is not fresh. */
  private relist(): void {
    if (this.stopped || this.listing) return;
    this.toldDuringListing.clear();
    this.listing = this.list()
      .catch((error: unknown) => this.failed('list the open conversations', error))
      .finally(() => {
        this.listing = undefined;
        for (const id of this.members) this.enqueue(id);
        this.pump();
      });
  }

  private async list(): Promise<void> {
    const dixa = this.source();
    await this.warmer.directories(dixa);
    const listed = new Set<number>();
    let pageKey: string | undefined;
    for (let pages = 0; pages < MAX_PAGES && !this.stopped; pages++) {
      const key = { body: OPEN_SEARCH, page: { pageLimit: INBOX_PAGE, pageKey } };
      const page = await this.warmer.read(dixa, cacheRefs.searchPage(key), () => dixa.loaders.searchPage.load(key));
      for (const hit of page?.items ?? []) listed.add(hit.id);
      if (!page?.nextPageKey || page.items.length === 0) break;
      pageKey = page.nextPageKey;
    }
    if (this.stopped) return;
    for (const id of this.members) if (!listed.has(id)) this.members.delete(id);
    for (const id of listed) this.members.add(id);
    for (const [id, joined] of this.toldDuringListing) {
      if (joined) this.members.add(id);
      else this.members.delete(id);
    }
    this.listedOnce = true;
  }

  /** Re-reads the inbox's first page once events have settled (they dropped the cached one). */
  private scheduleFirstPage(): void {
    if (this.firstPageTimer) return;
    this.firstPageTimer = setTimeout(() => {
      const dixa = this.source();
      const key = { body: OPEN_SEARCH, page: { pageLimit: INBOX_PAGE } };
      Promise.resolve(this.warmer.read(dixa, cacheRefs.searchPage(key), () => dixa.loaders.searchPage.load(key)))
        .catch((error: unknown) => this.failed('read the first inbox page', error))
        .finally(() => {
          this.firstPageTimer = undefined;
          this.settle();
        });
    }, this.firstPageDelayMs);
    this.firstPageTimer.unref();
  }

  private enqueue(id: number): void {
    if (this.stopped) return;
    this.queue.add(id);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency) {
      // A conversation being warmed waits in the queue: warmed twice at once, its reads would be made twice.
      const id = [...this.queue].find((candidate) => !this.active.has(candidate));
      if (id === undefined) break;
      this.queue.delete(id);
      if (!this.members.has(id)) continue;
      this.running++;
      this.active.add(id);
      this.warmOne(id).finally(() => {
        this.running--;
        this.active.delete(id);
        this.pump();
        this.settle();
      });
    }
    this.settle();
  }

  private async warmOne(id: number): Promise<void> {
    try {
      const exists = await this.warmer.conversation(this.source(), id);
      if (!exists) this.members.delete(id);
    } catch (error) {
      this.failed(`warm conversation ${id}`, error);
    }
  }

  private failed(what: string, error: unknown): void {
    if (this.stopped) return;
    // A failed read is tried again on the next listing; Dixa's outages are reported elsewhere.
    this.options.logger.warn({ err: error }, `prefetch could not ${what}`);
  }

  /** Reports the first warm-up and wakes whoever waits for idleness. */
  private settle(): void {
    if (!this.idle) return;
    if (!this.firstDone && !this.stopped && this.listedOnce) {
      this.firstDone = true;
      this.report = { conversations: this.members.size, calls: this.counter.reads, seconds: (this.clock.now() - this.startedAt) / 1000 };
      this.options.logger.info(this.report, 'prefetch: first warm-up complete');
      this.resolveFirst(this.report);
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

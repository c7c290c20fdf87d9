// Dixa's REST endpoints, typed: one method per call the gateway makes, with the path, the
// envelope and the pagination handled here. One client per caller token; no caching (the
// loaders sit above it). Reads answer null where Dixa answers 404.
import { parseConversationId, parseUuid } from '../../validation/ids.js';
import { pageKeyOf } from './page-cursor.js';
import type { DixaCredentials, DixaRequest, DixaTransport } from './transport.js';
import type {
  DixaAgent,
  DixaConversation,
  DixaEndUser,
  DixaEnvelope,
  DixaMessage,
  DixaNote,
  DixaOrganization,
  DixaPage,
  DixaQueue,
  DixaSearchHit,
  DixaSearchRequest,
  DixaTag,
} from './types.js';

/** One page of a paginated list: the items and the key of the next page, if any. */
export interface Page<T> {
  items: T[];
  nextPageKey: string | undefined;
}

export interface PageRequest {
  pageLimit: number;
  /** Dixa's opaque key, exactly as it came in `meta.next`. */
  pageKey?: string | undefined;
}

/** Dixa's search takes at most 50 per page; the directory lists are fetched in pages this big. */
export const MAX_PAGE_LIMIT = 50;

// Ids are validated again here, whatever the caller did: a path segment is only ever an
// integer or a uuid, so no input can change which Dixa resource is addressed.
const conv = (id: number): string => String(parseConversationId(id));
const uuid = (id: string): string => parseUuid(id, 'customer');

export class DixaClient {
  constructor(
    private readonly transport: DixaTransport,
    private readonly credentials: DixaCredentials,
    private readonly signal?: AbortSignal,
  ) {}

  get fingerprint(): string {
    return this.credentials.fingerprint;
  }

  /** The `data` of Dixa's envelope; null for 204/202 and, on reads, 404. */
  private async send<T>(request: DixaRequest): Promise<T | null> {
    const body = await this.transport.send<DixaEnvelope<T>>({ signal: this.signal, ...request }, this.credentials);
    return body === null ? null : body.data;
  }

  private async pageOf<T>(request: DixaRequest, page: PageRequest): Promise<Page<T> | null> {
    // Later pages are addressed by Dixa's key alone, exactly as `meta.next` carries it.
    const query = page.pageKey ? { ...request.query, pageKey: page.pageKey } : { ...request.query, pageLimit: page.pageLimit };
    const body = await this.transport.send<DixaPage<T>>({ signal: this.signal, ...request, query }, this.credentials);
    if (body === null) return null;
    return { items: body.data ?? [], nextPageKey: pageKeyOf(body.meta?.next) };
  }

  /** Follows `meta.next` to the end: for lists that are small by nature (agents). */
  private async all<T>(request: DixaRequest): Promise<T[]> {
    const items: T[] = [];
    let pageKey: string | undefined;
    // A bound on pages guards against a server that keeps answering with a next link.
    for (let pages = 0; pages < 200; pages++) {
      const page = await this.pageOf<T>(request, { pageLimit: MAX_PAGE_LIMIT, pageKey });
      if (!page) break;
      items.push(...page.items);
      pageKey = page.nextPageKey;
      if (!pageKey || page.items.length === 0) break;
    }
    return items;
  }

  getOrganization(): Promise<DixaOrganization | null> {
    return this.send({ method: 'GET', path: '/organization', operation: 'read the organization' });
  }

  getConversation(id: number): Promise<DixaConversation | null> {
    return this.send({ method: 'GET', path: `/conversations/${conv(id)}`, operation: `read conversation ${id}`, notFoundAsNull: true });
  }

  listMessages(id: number): Promise<DixaMessage[] | null> {
    return this.send({ method: 'GET', path: `/conversations/${conv(id)}/messages`, operation: `read the messages of conversation ${id}`, notFoundAsNull: true });
  }

  listNotes(id: number): Promise<DixaNote[] | null> {
    return this.send({ method: 'GET', path: `/conversations/${conv(id)}/notes`, operation: `read the notes of conversation ${id}`, notFoundAsNull: true });
  }

  listConversationTags(id: number): Promise<DixaTag[] | null> {
    return this.send({ method: 'GET', path: `/conversations/${conv(id)}/tags`, operation: `read the tags of conversation ${id}`, notFoundAsNull: true });
  }

  getEndUser(id: string): Promise<DixaEndUser | null> {
    return this.send({ method: 'GET', path: `/endusers/${uuid(id)}`, operation: `read end user ${id}`, notFoundAsNull: true });
  }

  async findEndUsersByEmail(email: string): Promise<DixaEndUser[]> {
    const page = await this.pageOf<DixaEndUser>(
      { method: 'GET', path: '/endusers', query: { email }, operation: 'find end users by email' },
      { pageLimit: 10 },
    );
    return page?.items ?? [];
  }

  listEndUserConversations(id: string, page: PageRequest): Promise<Page<DixaConversation> | null> {
    return this.pageOf(
      { method: 'GET', path: `/endusers/${uuid(id)}/conversations`, operation: `list the conversations of end user ${id}`, notFoundAsNull: true },
      page,
    );
  }

  listAgents(): Promise<DixaAgent[]> {
    return this.all({ method: 'GET', path: '/agents', operation: 'list agents' });
  }

  getAgent(id: string): Promise<DixaAgent | null> {
    return this.send({ method: 'GET', path: `/agents/${parseUuid(id, 'agent')}`, operation: `read agent ${id}`, notFoundAsNull: true });
  }

  async listQueues(): Promise<DixaQueue[]> {
    return (await this.send<DixaQueue[]>({ method: 'GET', path: '/queues', operation: 'list queues' })) ?? [];
  }

  /** Inactive tags are included: conversations may still carry them. */
  async listTags(): Promise<DixaTag[]> {
    return (await this.send<DixaTag[]>({ method: 'GET', path: '/tags', query: { includeDeactivated: true }, operation: 'list tags' })) ?? [];
  }

  async searchConversations(body: DixaSearchRequest, page: PageRequest): Promise<Page<DixaSearchHit>> {
    const result = await this.pageOf<DixaSearchHit>(
      { method: 'POST', path: '/search/conversations', body, operation: 'search conversations' },
      page,
    );
    return result ?? { items: [], nextPageKey: undefined };
  }
}

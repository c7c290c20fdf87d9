// Dixa's REST endpoints, typed: one method per call the gateway makes, with the path, the
// envelope and the pagination handled here. One client per caller token; no caching (the
// loaders sit above it). Reads answer null where Dixa answers 404.
import { parseConversationId, parseUuid } from '../../validation/ids.js';
import { UpstreamError } from '../../errors.js';
import { pageKeyOf } from './page-cursor.js';
import type { CallPriority, DixaCredentials, DixaRequest, DixaTransport } from './transport.js';
import { MAX_PAGE_LIMIT } from './types.js';
import type {
  DixaAddedMessage,
  DixaAgent,
  DixaConversation,
  DixaCreateConversationInput,
  DixaCustomAttribute,
  DixaEndUserInput,
  DixaOutboundMessageInput,
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
  DixaActivityLogEntry,
  DixaEventDeliveryStatus,
  DixaWebhookSubscription,
  DixaWebhookSubscriptionInput,
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


// Ids are validated again here, whatever the caller did: a path segment is only ever an
// integer or a uuid, so no input can change which Dixa resource is addressed.
const conv = (id: number): string => String(parseConversationId(id));
const uuid = (id: string): string => parseUuid(id, 'customer');

export class DixaClient {
  constructor(
    private readonly transport: DixaTransport,
    private readonly credentials: DixaCredentials,
    private readonly signal?: AbortSignal,
    /** Stamped on every call this client makes (see DixaRequest.priority). */
    private readonly priority?: CallPriority,
  ) {}

  get fingerprint(): string {
    return this.credentials.fingerprint;
  }

  /** The `data` of Dixa's envelope; null for 204/202 and, on reads, 404. */
  private async send<T>(request: DixaRequest): Promise<T | null> {
    const body = await this.transport.send<DixaEnvelope<T>>({ signal: this.signal, ...(this.priority ? { priority: this.priority } : {}), ...request }, this.credentials);
    return body === null ? null : body.data;
  }

  private async pageOf<T>(request: DixaRequest, page: PageRequest): Promise<Page<T> | null> {
    // Later pages are addressed by Dixa's key alone, exactly as `meta.next` carries it.
    const query = page.pageKey ? { ...request.query, pageKey: page.pageKey } : { ...request.query, pageLimit: page.pageLimit };
    const body = await this.transport.send<DixaPage<T>>({ signal: this.signal, ...(this.priority ? { priority: this.priority } : {}), ...request, query }, this.credentials);
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

  /** One page of agents: the connection check's cheap read. */
  async listAgentsPage(page: PageRequest): Promise<Page<DixaAgent>> {
    return (await this.pageOf<DixaAgent>({ method: 'GET', path: '/agents', operation: 'list agents' }, page)) ?? { items: [], nextPageKey: undefined };
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
      { method: 'POST', path: '/search/conversations', body, operation: 'search conversations', idempotent: true },
      page,
    );
    return result ?? { items: [], nextPageKey: undefined };
  }

  // ------------------------------------------------------------ sync (src/sync)

  /** Dixa's org-wide activity log for a window, one page (oldest first on the fake; Dixa does not say). */
  listActivityLog(window: { from: string; to: string }, page: PageRequest): Promise<Page<DixaActivityLogEntry> | null> {
    return this.pageOf(
      { method: 'GET', path: '/conversations/activitylog', query: { fromDatetime: window.from, toDatetime: window.to }, operation: 'read the activity log' },
      page,
    );
  }

  /** Not paginated: one answer holds every subscription. */
  async listWebhooks(): Promise<DixaWebhookSubscription[]> {
    return (await this.send<DixaWebhookSubscription[]>({ method: 'GET', path: '/webhooks', operation: 'list webhook subscriptions' })) ?? [];
  }

  async getWebhookDeliveryStatus(id: string): Promise<DixaEventDeliveryStatus[] | null> {
    return this.send({
      method: 'GET',
      path: `/webhooks/${parseUuid(id, 'webhook subscription')}/delivery-status`,
      operation: 'read the webhook delivery status',
      notFoundAsNull: true,
    });
  }

  async createWebhook(input: DixaWebhookSubscriptionInput): Promise<DixaWebhookSubscription> {
    return required(await this.send<DixaWebhookSubscription>({ method: 'POST', path: '/webhooks', body: input, operation: 'create a webhook subscription' }), 'create a webhook subscription');
  }

  async patchWebhook(id: string, input: DixaWebhookSubscriptionInput): Promise<DixaWebhookSubscription> {
    return required(
      await this.send<DixaWebhookSubscription>({
        method: 'PATCH',
        path: `/webhooks/${parseUuid(id, 'webhook subscription')}`,
        body: input,
        operation: 'update the webhook subscription',
      }),
      'update the webhook subscription',
    );
  }

  // ------------------------------------------------------------ writes
  // POST and PATCH are never repeated by the transport; the write path (src/writes/)
  // decides whether a failed one may be sent again. Writes answer 404 as NOT_FOUND.

  async addMessage(id: number, message: DixaOutboundMessageInput): Promise<DixaAddedMessage> {
    return required(
      await this.send<DixaAddedMessage>({ method: 'POST', path: `/conversations/${conv(id)}/messages`, body: message, operation: `add a message to conversation ${id}` }),
      `add a message to conversation ${id}`,
    );
  }

  /** Dixa answers only the new conversation's id. */
  async createConversation(input: DixaCreateConversationInput): Promise<{ id: number }> {
    return required(await this.send<{ id: number }>({ method: 'POST', path: '/conversations', body: input, operation: 'create a conversation' }), 'create a conversation');
  }

  async createEndUser(input: DixaEndUserInput): Promise<DixaEndUser> {
    return required(await this.send<DixaEndUser>({ method: 'POST', path: '/endusers', body: input, operation: 'create an end user' }), 'create an end user');
  }

  async addNote(id: number, note: { message: string; agentId?: string }): Promise<DixaNote> {
    const body = note.agentId ? { message: note.message, agentId: parseUuid(note.agentId, 'agent') } : { message: note.message };
    return required(
      await this.send<DixaNote>({ method: 'POST', path: `/conversations/${conv(id)}/notes`, body, operation: `add a note to conversation ${id}` }),
      `add a note to conversation ${id}`,
    );
  }

  async closeConversation(id: number, userId?: string): Promise<void> {
    await this.send({ method: 'PUT', path: `/conversations/${conv(id)}/close`, body: actingUser(userId), operation: `close conversation ${id}` });
  }

  async reopenConversation(id: number, userId?: string): Promise<void> {
    await this.send({ method: 'PUT', path: `/conversations/${conv(id)}/reopen`, body: actingUser(userId), operation: `reopen conversation ${id}` });
  }

  /** Puts the conversation in Pending until `timestamp` (ISO-8601). */
  async followUp(id: number, timestamp: string, userId?: string): Promise<void> {
    await this.send({
      method: 'PUT',
      path: `/conversations/${conv(id)}/followup`,
      body: { timestamp, ...actingUser(userId) },
      operation: `set a follow-up on conversation ${id}`,
    });
  }

  async claimConversation(id: number, agentId: string, force: boolean): Promise<void> {
    await this.send({
      method: 'PUT',
      path: `/conversations/${conv(id)}/claim`,
      body: { agentId: parseUuid(agentId, 'agent'), force },
      operation: `assign conversation ${id} to agent ${agentId}`,
    });
  }

  async transferToQueue(id: number, queueId: string, userId?: string): Promise<void> {
    await this.send({
      method: 'PUT',
      path: `/conversations/${conv(id)}/transfer/queue`,
      body: { queueId: parseUuid(queueId, 'queue'), ...actingUser(userId) },
      operation: `transfer conversation ${id} to queue ${queueId}`,
    });
  }

  async tagConversation(id: number, tagId: string): Promise<void> {
    await this.send({ method: 'PUT', path: `/conversations/${conv(id)}/tags/${parseUuid(tagId, 'tag')}`, operation: `tag conversation ${id}` });
  }

  async untagConversation(id: number, tagId: string): Promise<void> {
    await this.send({ method: 'DELETE', path: `/conversations/${conv(id)}/tags/${parseUuid(tagId, 'tag')}`, operation: `untag conversation ${id}` });
  }

  /** Idempotent by name in Dixa: an existing tag of that name comes back unchanged. */
  async createTag(name: string): Promise<DixaTag> {
    return required(await this.send<DixaTag>({ method: 'POST', path: '/tags', body: { name }, operation: `create tag ${JSON.stringify(name)}` }), 'create a tag');
  }

  /** The body is keyed by attribute uuid; values are text, a select path, or null to clear. */
  async patchConversationCustomAttributes(id: number, values: Record<string, string | string[] | null>): Promise<DixaCustomAttribute[]> {
    const body = Object.fromEntries(Object.entries(values).map(([key, value]) => [parseUuid(key, 'custom attribute', 'customAttributes key'), value]));
    return (
      (await this.send<DixaCustomAttribute[]>({
        method: 'PATCH',
        path: `/conversations/${conv(id)}/custom-attributes`,
        body,
        operation: `set custom attributes on conversation ${id}`,
      })) ?? []
    );
  }
}

/** `userId` names the agent acting; Dixa takes an empty body when there is none. */
function actingUser(userId: string | undefined): { userId?: string } {
  return userId ? { userId: parseUuid(userId, 'agent', 'agentId') } : {};
}

/** A write that answered 2xx without the body Dixa documents is a Dixa failure, not a success. */
function required<T>(value: T | null, operation: string): T {
  if (value === null || value === undefined) throw new UpstreamError(operation, 'the answer had no body');
  return value;
}

// What one request's writes changed, told to the cache owner and to the request's own
// DataLoaders (which may have read the old records earlier in the same operation). The
// write path calls these and nothing else: it never sees a cache key.
import { cacheRefs, type ConversationPart, type DirectoryKind, type DixaCache } from './dixa-cache.js';
import type { DixaLoaders } from './loaders.js';
import type { DixaConversationMessage, DixaEndUser } from './types.js';

export class RequestCacheChanges {
  constructor(
    private readonly cache: DixaCache,
    private readonly scope: string,
    private readonly loaders: DixaLoaders,
  ) {}

  conversationPartsChanged(id: number, parts: readonly ConversationPart[]): void {
    this.cache.conversationPartsChanged(this.scope, id, parts);
    for (const part of parts) this.loaders[part].clear(id);
  }

  /** A conversation was created for this customer: search pages and the customer's lists may miss it. */
  conversationCreated(customerId: string): void {
    this.cache.conversationListsChanged(this.scope, { searches: 'all', customerId });
    this.loaders.searchPage.clearAll();
    this.loaders.customerConversations.clearAll();
  }

  directoryChanged(kind: DirectoryKind): void {
    this.cache.directoryChanged(this.scope, kind);
    this.loaders[kind].clear('all');
  }

  /** A message list read straight from Dixa. */
  messagesRead(id: number, messages: DixaConversationMessage[]): void {
    this.cache.messagesRead(this.scope, id, messages);
    this.loaders.messages.clear(id).prime(id, messages);
  }

  /** A message the gateway sent: written into the cached list when there is one. */
  messageAdded(id: number, message: DixaConversationMessage): void {
    this.cache.messageAdded(this.scope, id, message);
    this.loaders.messages.clear(id);
  }

  endUserSaved(user: DixaEndUser): void {
    this.cache.endUserSaved(this.scope, user);
    const id = user.id.toLowerCase();
    this.loaders.endUser.clear(id).prime(id, user);
    const email = user.email?.trim().toLowerCase();
    if (email) this.loaders.endUserByEmail.clear(email).prime(email, user);
  }

  /** An end user with this address may exist now: the next lookup asks Dixa. */
  endUserEmailChanged(email: string): void {
    this.cache.endUserEmailChanged(this.scope, email);
    this.loaders.endUserByEmail.clear(email);
  }

  /** Before creating a customer: a cached "nobody has this address" may be stale; a cached user is trusted. */
  endUserEmailMayBeTaken(email: string): void {
    if (this.cache.peek(this.scope, cacheRefs.endUserByEmail(email))?.value === null) this.endUserEmailChanged(email);
  }
}

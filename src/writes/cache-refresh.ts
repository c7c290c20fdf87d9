// After a write: forget exactly the cached records it changed, both in the shared cache
// and in this request's DataLoaders (which may have read them before the write), or put a
// record Dixa just returned straight into the cache.
import type { RequestDixa } from '../datasources/dixa/index.js';
import { customerConversationsPrefix } from '../datasources/dixa/loaders.js';
import type { DixaConversationMessage, DixaEndUser } from '../datasources/dixa/types.js';

export type ConversationPart = 'conversation' | 'messages' | 'notes' | 'conversationTags';

export function forget(dixa: RequestDixa, part: ConversationPart, conversationId: number): void {
  dixa.cache.delete(dixa.fingerprint, part, conversationId);
  dixa.loaders[part].clear(conversationId);
}

/** After a conversation was created: the search pages and the customer's lists may now miss it. */
export function forgetListings(dixa: RequestDixa, customerId: string): void {
  dixa.cache.deleteWhere(dixa.fingerprint, 'search');
  dixa.cache.deleteWhere(dixa.fingerprint, 'customerConversations', (id) => id.startsWith(customerConversationsPrefix(customerId)));
  dixa.loaders.searchPage.clearAll();
  dixa.loaders.customerConversations.clearAll();
}

/** The tag catalogue, after tags were created. */
export function forgetTagCatalogue(dixa: RequestDixa): void {
  dixa.cache.delete(dixa.fingerprint, 'tags', 'all');
  dixa.loaders.tags.clear('all');
}

/** A lookup by e-mail whose "nobody" answer may be stale, or after a create that may have happened. */
export function forgetEndUserByEmail(dixa: RequestDixa, email: string): void {
  dixa.cache.delete(dixa.fingerprint, 'endUserByEmail', email);
  dixa.loaders.endUserByEmail.clear(email);
}

/** A new end user, known by id and by e-mail at once. */
export function rememberEndUser(dixa: RequestDixa, user: DixaEndUser): void {
  const id = user.id.toLowerCase();
  dixa.cache.set(dixa.fingerprint, 'endUser', id, user);
  dixa.loaders.endUser.clear(id).prime(id, user);
  const email = user.email?.trim().toLowerCase();
  if (email) {
    dixa.cache.set(dixa.fingerprint, 'endUserByEmail', email, user);
    dixa.loaders.endUserByEmail.clear(email).prime(email, user);
  }
}

/** A message list read straight from Dixa (fresher than any cached one). */
export function rememberMessages(dixa: RequestDixa, conversationId: number, messages: DixaConversationMessage[]): void {
  dixa.cache.set(dixa.fingerprint, 'messages', conversationId, messages);
  dixa.loaders.messages.clear(conversationId).prime(conversationId, messages);
}

// Keeps the shared cache fresh from webhook events, so a read after an event reflects it
// without waiting for a TTL or spending Dixa calls: a payload carrying the conversation
// refreshes the cached record (merged over what REST gave, which knows more fields), and
// message, note, tag and attribute events drop exactly that conversation's affected list
// (a message the cached list already holds, e.g. a reply written through, keeps it).
import { LRUCache } from 'lru-cache';
import { customerConversationsPrefix } from '../datasources/dixa/loaders.js';
import type { PendingMessages } from '../datasources/dixa/pending-messages.js';
import type { SharedCache } from '../datasources/dixa/shared-cache.js';
import type { DixaConversation } from '../datasources/dixa/types.js';
import type { CacheKind } from '../config.js';
import { conversationFromWebhook } from '../mapping/webhook-conversation.js';
import { eventTypeFromWebhook } from '../mapping/vocabulary.js';
import type { DecodedWebhook } from './webhook-payload.js';

/** Lists an event type makes stale. Invalidation, not write-through: payloads lack REST-only fields. */
const STALE_LISTS: Partial<Record<ReturnType<typeof eventTypeFromWebhook>, CacheKind[]>> = {
  CREATED: ['messages'],
  MESSAGE_ADDED: ['messages'],
  NOTE_ADDED: ['notes'],
  TAG_ADDED: ['conversationTags'],
  TAG_REMOVED: ['conversationTags'],
};

/**
 * A reply sent through the gateway is written into the cached list when Dixa accepts it;
 * its webhook then has nothing new to say, and dropping the list would cost a Dixa read.
 * (When the webhook overtakes the POST's answer, `pending` knows the reply's externalId.)
 */
function listsMessage(cache: SharedCache, scope: string, conversationId: number, messageId: string | undefined): boolean {
  if (!messageId) return false;
  const messages = cache.get<{ id: string }[]>(scope, 'messages', conversationId)?.value;
  return messages?.some((message) => message.id === messageId) ?? false;
}

/** Events after which a conversation may enter or leave a filtered search. */
const MOVES_IN_SEARCH: ReadonlySet<string> = new Set([
  'CREATED', 'OPENED', 'PENDING', 'PENDING_EXPIRED', 'CLOSED', 'ABANDONED',
  'ASSIGNED', 'UNASSIGNED', 'TRANSFERRED', 'ENQUEUED', 'TAG_ADDED', 'TAG_REMOVED',
]);
/** Events that change what a full-text search finds. */
const CHANGES_TEXT: ReadonlySet<string> = new Set(['MESSAGE_ADDED', 'NOTE_ADDED']);

/** Search pages are cached under `[body, pageLimit, pageKey]` (loaders.ts). */
function isTextSearch(id: string): boolean {
  try {
    return Boolean((JSON.parse(id) as [{ query?: unknown }])[0]?.query);
  } catch {
    return true;
  }
}

/**
 * Search pages hold ids only, so no event can patch them: drop those the event may have
 * changed, and the customer's conversation lists, which carry state and assignment.
 */
function dropListings(cache: SharedCache, scope: string, type: string, requesterId: string | undefined): void {
  if (MOVES_IN_SEARCH.has(type)) cache.deleteWhere(scope, 'search');
  else if (CHANGES_TEXT.has(type)) cache.deleteWhere(scope, 'search', isTextSearch);
  if (requesterId) cache.deleteWhere(scope, 'customerConversations', (id) => id.startsWith(customerConversationsPrefix(requesterId)));
}

export interface CacheRefresher {
  apply(event: DecodedWebhook): void;
}

/**
 * `scope` is the fingerprint of the configured token: webhooks come from that token's
 * organization. Undefined (no token yet) means there is nothing cached to refresh.
 */
export function createCacheRefresher(cache: SharedCache, scope: () => string | undefined, pending?: PendingMessages): CacheRefresher {
  // Dixa does not promise delivery order; an older snapshot must not overwrite a newer one.
  const appliedAt = new LRUCache<string, number>({ max: 100_000 });

  return {
    apply(event) {
      const fingerprint = scope();
      const id = event.conversationId === null ? undefined : Number(event.conversationId);
      if (!fingerprint || id === undefined) return;
      const type = eventTypeFromWebhook(event.fqn);

      dropListings(cache, fingerprint, type, event.envelope.data?.conversation?.requester?.id);
      for (const kind of STALE_LISTS[type] ?? []) {
        if (kind === 'messages' && type === 'MESSAGE_ADDED') {
          const data = event.envelope.data;
          if (listsMessage(cache, fingerprint, id, data?.message_id) || pending?.has(fingerprint, id, data?.external_id)) continue;
        }
        cache.delete(fingerprint, kind, id);
      }

      if (type === 'CUSTOM_ATTRIBUTE_UPDATED') {
        // The payload does not carry the attributes; the next read fetches the record.
        cache.delete(fingerprint, 'conversation', id);
        return;
      }
      const key = `${fingerprint}:${id}`;
      const at = Date.parse(event.occurredAt);
      if (at < (appliedAt.get(key) ?? -Infinity)) return;
      const previous = cache.get<DixaConversation | null>(fingerprint, 'conversation', id)?.value;
      const next = conversationFromWebhook(event.envelope.data?.conversation, previous, event.occurredAt);
      if (!next) return;
      // delete first: it also stops a REST read already under way from storing older data.
      cache.delete(fingerprint, 'conversation', id);
      cache.set(fingerprint, 'conversation', id, next);
      appliedAt.set(key, at);
    },
  };
}

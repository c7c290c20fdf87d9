// Keeps the Dixa cache fresh from webhook events, so a read after an event reflects it
// without waiting for a TTL or spending Dixa calls: a payload carrying the conversation
// refreshes the cached record (merged over what REST gave, which knows more fields), and
// message, note, tag and attribute events drop exactly that conversation's affected list
// (a message the cached list already holds, e.g. a reply written through, keeps it). It
// says what changed; the cache owner (datasources/dixa/dixa-cache.ts) knows the keys.
import { LRUCache } from 'lru-cache';
import type { PendingMessages } from '../datasources/dixa/pending-messages.js';
import { cacheRefs, type ConversationPart, type DixaCache, type SearchesChanged } from '../datasources/dixa/dixa-cache.js';
import type { DixaConversation } from '../datasources/dixa/types.js';
import type { DecodedWebhook } from '../datasources/dixa/webhook-types.js';
import { conversationFromWebhook } from '../mapping/webhook-conversation.js';
import { eventTypeFromWebhook } from '../mapping/vocabulary.js';

export type EventType = ReturnType<typeof eventTypeFromWebhook>;

/** Lists an event type makes stale. Invalidation, not write-through: payloads lack REST-only fields. */
const STALE_LISTS: Partial<Record<EventType, ConversationPart[]>> = {
  CREATED: ['messages'],
  MESSAGE_ADDED: ['messages'],
  NOTE_ADDED: ['notes'],
  TAG_ADDED: ['conversationTags'],
  TAG_REMOVED: ['conversationTags'],
};

/** Events after which a conversation may enter or leave a filtered search. */
const MOVES_IN_SEARCH: ReadonlySet<string> = new Set([
  'CREATED', 'OPENED', 'PENDING', 'PENDING_EXPIRED', 'CLOSED', 'ABANDONED',
  'ASSIGNED', 'UNASSIGNED', 'TRANSFERRED', 'ENQUEUED', 'TAG_ADDED', 'TAG_REMOVED',
]);
/** Events that change what a full-text search finds. */
const CHANGES_TEXT: ReadonlySet<string> = new Set(['MESSAGE_ADDED', 'NOTE_ADDED']);

function searchesChangedBy(type: string): SearchesChanged {
  if (MOVES_IN_SEARCH.has(type)) return 'all';
  return CHANGES_TEXT.has(type) ? 'text' : 'none';
}

export interface WebhookCacheUpdates {
  apply(event: DecodedWebhook): void;
}

/** What an applied event said about one conversation (the prefetch follows the open set with it). */
export interface ConversationEventApplied {
  conversationId: number;
  type: EventType;
  /** The payload's status (OPEN, PENDING, CLOSED), when it carried the conversation. */
  status: string | undefined;
}

/**
 * `scope` is the fingerprint of the configured token: webhooks come from that token's
 * organization. Undefined (no token) means there is nothing cached to refresh.
 */
export function createWebhookCacheUpdates(
  cache: DixaCache,
  scope: string | undefined,
  pending?: PendingMessages,
  onApplied?: (change: ConversationEventApplied) => void,
): WebhookCacheUpdates {
  // Dixa does not promise delivery order; an older snapshot must not overwrite a newer one.
  const appliedAt = new LRUCache<string, number>({ max: 100_000 });

  const update = (event: DecodedWebhook, scope: string, id: number, type: EventType): void => {
      const data = event.envelope.data;

      // Search pages hold ids only, so no event can patch them; a customer's lists carry state and assignment.
      cache.conversationListsChanged(scope, { searches: searchesChangedBy(type), customerId: data?.conversation?.requester?.id });
      const stale = (STALE_LISTS[type] ?? []).filter(
        // A reply sent through the gateway is written into the cached list when Dixa accepts
        // it; its webhook then has nothing new to say (also when it overtakes the POST's answer).
        (part) => !(part === 'messages' && type === 'MESSAGE_ADDED' && (cache.holdsMessage(scope, id, data?.message_id) || pending?.has(scope, id, data?.external_id))),
      );
      cache.conversationPartsChanged(scope, id, stale);

      if (type === 'CUSTOM_ATTRIBUTE_UPDATED') {
        // The payload does not carry the attributes; the next read fetches the record.
        cache.conversationChanged(scope, id);
        return;
      }
      const key = `${scope}:${id}`;
      const at = Date.parse(event.occurredAt);
      if (at < (appliedAt.get(key) ?? -Infinity)) return;
      const previous = cache.peek<DixaConversation | null>(scope, cacheRefs.conversation(id))?.value;
      const next = conversationFromWebhook(data?.conversation, previous, event.occurredAt);
      if (!next) return;
      cache.conversationChanged(scope, id, next);
      appliedAt.set(key, at);
  };

  return {
    apply(event) {
      const id = event.conversationId === null ? undefined : Number(event.conversationId);
      if (!scope || id === undefined) return;
      const type = eventTypeFromWebhook(event.fqn);
      update(event, scope, id, type);
      onApplied?.({ conversationId: id, type, status: event.envelope.data?.conversation?.status?.toUpperCase() });
    },
  };
}

// Dixa's activity-log entries as event-log events (source RECONCILED): the entry's `_type`
// mapped to the webhook event it stands for, the id the gateway derives for it, and the
// facts that identify the change (change-identity.ts). Entries the gateway has no webhook
// twin for become OTHER and keep their own name as rawType.
import type { ChangeIdentity } from '../events/event-log.js';
import type { DixaActivityLogEntry } from '../datasources/dixa/types.js';
import type { ConversationEventType } from '../generated/graphql.js';
import { toIsoDateTime } from '../mapping/timestamp.js';
import { eventFqnOf, eventTypeFromWebhook } from '../mapping/vocabulary.js';
import { changeIdentity } from '../events/change-identity.js';

/** Activity `_type` -> the event_fqn of the webhook that reports the same change. */
const WEBHOOK_FQN: Record<string, string> = {
  MessageAddedByCustomer: 'CONVERSATION_MESSAGE_ADDED',
  MessageAddedByAgent: 'CONVERSATION_MESSAGE_ADDED',
  NoteAdded: 'CONVERSATION_NOTE_ADDED',
  ConversationClosed: 'CONVERSATION_CLOSED',
  ConversationReopened: 'CONVERSATION_OPEN',
  ConversationAssigned: 'CONVERSATION_ASSIGNED',
  ConversationClaimed: 'CONVERSATION_ASSIGNED',
  ConversationUnassigned: 'CONVERSATION_UNASSIGNED',
  TagAdded: 'CONVERSATION_TAG_ADDED',
  TagRemoved: 'CONVERSATION_TAG_REMOVED',
  FollowupAdded: 'CONVERSATION_PENDING',
  ConversationPending: 'CONVERSATION_PENDING',
  TransferSuccessful: 'CONVERSATION_TRANSFERRED',
  ConversationCreatedByCustomer: 'CONVERSATION_CREATED',
  ConversationCreatedByAgent: 'CONVERSATION_CREATED',
};

export interface ActivityEvent {
  /** Derived from the entry's uuid: stable, so a second repair of the window stores nothing. */
  eventId: string;
  rawType: string;
  type: ConversationEventType;
  conversationId: string;
  occurredAt: string;
  identity: ChangeIdentity;
  /** The Dixa message id of a MESSAGE_ADDED (its record is read from Dixa). */
  messageId: string | undefined;
  /** Why the event exists: the entry as Dixa gave it. */
  entry: DixaActivityLogEntry;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The event for an entry; undefined for an entry that names no conversation or time. */
export function activityEvent(entry: DixaActivityLogEntry): ActivityEvent | undefined {
  const conversationId = Number(entry.conversationId);
  const occurredAt = toIsoDateTime(entry.activityTimestamp);
  if (!Number.isSafeInteger(conversationId) || conversationId <= 0 || !occurredAt || typeof entry.id !== 'string') return undefined;
  const rawType = WEBHOOK_FQN[entry._type] ?? eventFqnOf(entry._type ?? 'UNKNOWN');
  const known = entry._type in WEBHOOK_FQN;
  const type = known ? eventTypeFromWebhook(rawType) : 'OTHER';
  const attributes = entry.attributes ?? {};
  const messageId = type === 'MESSAGE_ADDED' ? str(attributes.messageId) : undefined;
  const identity = changeIdentity({
    type,
    conversationId: String(conversationId),
    messageId,
    noteText: str(attributes.message),
    tag: str(attributes.tag),
    // A claim names no agent: the agent who claimed it is the author.
    agentId: str(attributes.agentId) ?? (entry._type === 'ConversationClaimed' ? entry.author?.id : undefined),
  });
  return { eventId: `activity:${entry.id}`, rawType, type, conversationId: String(conversationId), occurredAt, identity, messageId, entry };
}

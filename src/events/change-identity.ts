// "The same change" seen through both sources — a Dixa webhook and an entry of Dixa's
// activity log — so the event log stores it once whichever arrives first:
// - MESSAGE_ADDED: the Dixa message id (both carry it).
// - NOTE_ADDED: conversation + the note's text (the activity log has no note id).
// - TAG_ADDED / TAG_REMOVED: conversation + tag name.
// - ASSIGNED: conversation + the agent assigned.
// - every other known type: conversation + type.
// Besides the key, the two must lie within CHANGE_MATCH_WINDOW_MS of each other
// (event-log.ts), so closing a conversation twice an hour apart stays two events.
// OTHER gets no key: its webhook and activity names do not line up.
import { createHash } from 'node:crypto';
import type { ChangeIdentity } from './event-log.js';
import type { DecodedWebhook } from '../datasources/dixa/webhook-types.js';
import type { ConversationEventType } from '../generated/graphql.js';
import { eventTypeFromWebhook } from '../mapping/vocabulary.js';

export interface ChangeFacts {
  type: ConversationEventType;
  conversationId: string | null;
  messageId?: string | undefined;
  noteText?: string | undefined;
  tag?: string | undefined;
  agentId?: string | undefined;
}

const digest = (text: string) => createHash('sha256').update(text.trim()).digest('hex').slice(0, 32);

export function changeIdentity(facts: ChangeFacts): ChangeIdentity {
  const { type, conversationId } = facts;
  if (type === 'MESSAGE_ADDED') return facts.messageId ? { messageId: facts.messageId } : {};
  if (!conversationId || type === 'OTHER') return {};
  switch (type) {
    case 'NOTE_ADDED':
      return { changeKey: `${conversationId}:${type}:${digest(facts.noteText ?? '')}` };
    case 'TAG_ADDED':
    case 'TAG_REMOVED':
      return { changeKey: `${conversationId}:${type}:${(facts.tag ?? '').trim().toLowerCase()}` };
    case 'ASSIGNED':
      return { changeKey: `${conversationId}:${type}:${(facts.agentId ?? '').toLowerCase()}` };
    default:
      return { changeKey: `${conversationId}:${type}` };
  }
}

/** The identity of a delivered webhook. */
export function webhookChangeIdentity(event: DecodedWebhook): ChangeIdentity {
  const data = event.envelope.data;
  const tag = typeof data?.tag === 'string' ? data.tag : data?.tag?.name;
  return changeIdentity({
    type: eventTypeFromWebhook(event.fqn),
    conversationId: event.conversationId,
    messageId: typeof data?.message_id === 'string' ? data.message_id : undefined,
    noteText: typeof data?.text === 'string' ? data.text : undefined,
    tag,
    agentId: data?.conversation?.assignee?.id ?? undefined,
  });
}

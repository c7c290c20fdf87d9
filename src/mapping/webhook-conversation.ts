// Webhook shapes -> the REST records the cache and resolvers hold. A webhook conversation
// (csid, UPPER_SNAKE channel/status, requester/assignee user objects) carries fewer facts
// than GET /conversations/{id}; merged onto a cached record it overrides what it knows and
// keeps the rest (custom attributes, language, e-mail addresses...).
import type { WebhookConversation, WebhookData } from '../datasources/dixa/webhook-types.js';
import type {
  DixaConversation,
  DixaConversationMessage,
  DixaContent,
  DixaContentType,
} from '../datasources/dixa/types.js';
import { isPartial, markPartial } from '../datasources/dixa/partial-records.js';
import { attributesForChannel } from './message-attributes.js';
import { toIsoDateTime } from './timestamp.js';
import { channelFromWebhook, channelToRest, directionFromWebhook, directionToRest, stateFromWebhook, stateToRest } from './vocabulary.js';

const CONVERSATION_TYPES: Record<string, string> = {
  Email: 'EmailConversation',
  ContactForm: 'ContactFormConversation',
  WidgetChat: 'ChatConversation',
  Messenger: 'MessengerConversation',
  Sms: 'SmsConversation',
  WhatsApp: 'WhatsAppConversation',
  FacebookMessenger: 'FacebookMessengerConversation',
  Twitter: 'TwitterConversation',
  PstnPhone: 'PstnPhoneConversation',
  Voicemail: 'PstnPhoneConversation',
  Callback: 'PstnPhoneConversation',
};

/** `TRUSTPILOT` -> `Trustpilot`, `GENERIC_API_MESSAGING` -> `GenericApiMessaging`: the REST form of a channel we do not know. */
function pascalCase(upperSnake: string): string {
  return upperSnake
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

function restChannel(raw: string): string {
  const channel = channelFromWebhook(raw);
  return channel === 'OTHER' ? pascalCase(raw) : channelToRest(channel);
}

/**
 * The conversation an event describes, as a REST record; undefined when the payload has
 * none. `occurredAt` stamps the state and assignment changes this event made.
 */
export function conversationFromWebhook(
  w: WebhookConversation | undefined,
  previous: DixaConversation | null | undefined,
  occurredAt: string,
): DixaConversation | undefined {
  const id = Number(w?.csid);
  if (!w || !Number.isSafeInteger(id) || id <= 0) return undefined;
  const base: DixaConversation = previous
    ? isPartial(previous) ? markPartial({ ...previous }) : { ...previous }
    : markPartial({ _type: 'GenericConversation', id, requesterId: '', channel: 'Other', createdAt: occurredAt });
  const next = base;
  if (w.channel) {
    next.channel = restChannel(w.channel);
    next._type = previous?._type ?? CONVERSATION_TYPES[next.channel] ?? 'GenericConversation';
  }
  if (w.requester?.id) next.requesterId = w.requester.id;
  if (w.created_at) next.createdAt = toIsoDateTime(w.created_at) ?? next.createdAt;
  if (w.direction) {
    const direction = directionFromWebhook(w.direction);
    if (direction) next.direction = directionToRest(direction) as DixaConversation['direction'];
  }
  if (w.status) {
    const state = stateToRest(stateFromWebhook(w.status)) as DixaConversation['state'];
    if (state !== previous?.state) next.stateUpdatedAt = occurredAt;
    next.state = state;
  }
  if (w.assignee !== undefined) {
    const agentId = w.assignee?.id;
    if (!agentId) next.assignment = null;
    else if (agentId.toLowerCase() !== previous?.assignment?.agentId.toLowerCase()) next.assignment = { agentId, assignedAt: occurredAt };
  }
  if (w.queue !== undefined) {
    const queueId = w.queue?.id;
    next.queue = queueId ? (queueId === previous?.queue?.id ? previous.queue : { id: queueId, queuedAt: occurredAt }) : null;
  }
  if (w.subject !== undefined) next.subject = w.subject;
  if (!previous && w.channel) {
    // Facts the REST record spells elsewhere, for a conversation first seen through a webhook.
    if (next.channel === 'Email' || next.channel === 'ContactForm') {
      next.fromEmail = w.requester?.email ?? null;
      next.integrationEmail = w.contact_point ?? null;
      next.toEmail = w.contact_point ?? null;
    } else if (next.channel === 'Sms') {
      next.fromNumber = w.requester?.phone ?? null;
      next.toNumber = w.contact_point ?? null;
    }
  }
  return next;
}

const CONTENT_TYPES: Record<string, DixaContentType> = { text: 'Text', html: 'Html', markdown: 'Markdown' };

/** A MESSAGE_ADDED payload as the message record Message resolvers read; undefined without a message_id. */
export function messageFromWebhook(data: WebhookData | undefined, conversationId: number): DixaConversationMessage | undefined {
  if (!data || typeof data.message_id !== 'string') return undefined;
  const text = data.content?.text ?? data.text ?? '';
  const content: DixaContent = { _type: CONTENT_TYPES[(data.content?.content_type ?? 'text').toLowerCase()] ?? 'Text', value: text };
  const direction = directionFromWebhook(data.direction);
  const restDirection = direction ? (directionToRest(direction) as 'Inbound' | 'Outbound' | 'Internal') : null;
  const attachments = (data.attachments ?? []).flatMap((a) => {
    const url = typeof a === 'object' && a !== null ? (a as { url?: unknown }).url : undefined;
    return typeof url === 'string' ? [{ url }] : [];
  });
  const channel = restChannel(data.channel ?? data.conversation?.channel ?? '');
  const attributes = attributesForChannel(channel, { content, direction: restDirection, attachments });
  return {
    id: data.message_id,
    conversationId,
    authorId: data.author?.id ?? '',
    externalId: data.external_id ?? null,
    createdAt: toIsoDateTime(data.created_at) ?? new Date(0).toISOString(),
    attributes,
  };
}

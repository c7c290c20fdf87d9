// Every spelling Dixa uses for the same value, in one table per idea. Dixa writes a
// channel as `WidgetChat` in REST bodies, `chat` in search filters, `WIDGET_CHAT` in
// webhook payloads and `widget_chat` in webhook-subscription filters (REFERENCE.md §6.6);
// the gateway speaks the GraphQL enum and converts only here.
import type { Channel, ConversationEventType, ConversationState, Direction } from '../generated/graphql.js';

interface Spellings {
  rest: string;
  /** Search filter value; undefined where Dixa's search has no such value. */
  search: string | undefined;
  webhook: string;
}

const CHANNELS: Record<Exclude<Channel, 'OTHER'>, Spellings> = {
  EMAIL: { rest: 'Email', search: 'email', webhook: 'EMAIL' },
  CONTACT_FORM: { rest: 'ContactForm', search: 'contactform', webhook: 'CONTACT_FORM' },
  WIDGET_CHAT: { rest: 'WidgetChat', search: 'chat', webhook: 'WIDGET_CHAT' },
  MESSENGER: { rest: 'Messenger', search: 'dixamessenger', webhook: 'MESSENGER' },
  FACEBOOK_MESSENGER: { rest: 'FacebookMessenger', search: 'facebookmessenger', webhook: 'FACEBOOK_MESSENGER' },
  WHATSAPP: { rest: 'WhatsApp', search: 'whatsapp', webhook: 'WHATSAPP' },
  SMS: { rest: 'Sms', search: 'sms', webhook: 'SMS' },
  PSTN_PHONE: { rest: 'PstnPhone', search: 'phone', webhook: 'PSTN_PHONE' },
  VOICEMAIL: { rest: 'Voicemail', search: 'voicemail', webhook: 'VOICEMAIL' },
  CALLBACK: { rest: 'Callback', search: 'callback', webhook: 'CALLBACK' },
  TWITTER: { rest: 'Twitter', search: undefined, webhook: 'TWITTER' },
};

const STATES: Record<ConversationState, Spellings> = {
  OPEN: { rest: 'Open', search: 'open', webhook: 'OPEN' },
  PENDING: { rest: 'Pending', search: 'pending', webhook: 'PENDING' },
  // Search knows no awaiting state; Dixa files it under pending.
  AWAITING_PENDING: { rest: 'AwaitingPending', search: 'pending', webhook: 'AWAITING_PENDING' },
  CLOSED: { rest: 'Closed', search: 'closed', webhook: 'CLOSED' },
};

const DIRECTIONS: Record<Direction, Spellings> = {
  INBOUND: { rest: 'Inbound', search: 'inbound', webhook: 'INBOUND' },
  OUTBOUND: { rest: 'Outbound', search: 'outbound', webhook: 'OUTBOUND' },
  INTERNAL: { rest: 'Internal', search: 'internal', webhook: 'INTERNAL' },
};

function reverse<K extends string>(table: Record<K, Spellings>, form: 'rest' | 'webhook'): Map<string, K> {
  const map = new Map<string, K>();
  for (const [value, spellings] of Object.entries(table) as [K, Spellings][]) {
    // Case-insensitive: webhook message directions come lower-case ("inbound").
    map.set(spellings[form].toLowerCase(), value);
  }
  return map;
}

const channelByRest = reverse(CHANNELS, 'rest');
const channelByWebhook = reverse(CHANNELS, 'webhook');
const stateByRest = reverse(STATES, 'rest');
const stateByWebhook = reverse(STATES, 'webhook');
const directionByRest = reverse(DIRECTIONS, 'rest');
const directionByWebhook = reverse(DIRECTIONS, 'webhook');

/** Unknown channels become OTHER; the caller keeps the raw value in `rawChannel`. */
export function channelFromRest(raw: string): Channel {
  return channelByRest.get(raw.toLowerCase()) ?? 'OTHER';
}

export function channelFromWebhook(raw: string): Channel {
  return channelByWebhook.get(raw.toLowerCase()) ?? 'OTHER';
}

export function channelToRest(channel: Exclude<Channel, 'OTHER'>): string {
  return CHANNELS[channel].rest;
}

/** Undefined when Dixa's search cannot filter on this channel. */
export function channelToSearch(channel: Channel): string | undefined {
  return channel === 'OTHER' ? undefined : CHANNELS[channel].search;
}

/** Dixa omits the state on some variants; a conversation without one is open. */
export function stateFromRest(raw: string | null | undefined): ConversationState {
  return (raw && stateByRest.get(raw.toLowerCase())) || 'OPEN';
}

export function stateFromWebhook(raw: string | null | undefined): ConversationState {
  return (raw && stateByWebhook.get(raw.toLowerCase())) || 'OPEN';
}

export function stateToRest(state: ConversationState): string {
  return STATES[state].rest;
}

export function stateToSearch(state: ConversationState): string {
  return STATES[state].search as string;
}

export function directionFromRest(raw: string | null | undefined): Direction | null {
  return (raw && directionByRest.get(raw.toLowerCase())) || null;
}

export function directionFromWebhook(raw: string | null | undefined): Direction | null {
  return (raw && directionByWebhook.get(raw.toLowerCase())) || null;
}

export function directionToSearch(direction: Direction): string {
  return DIRECTIONS[direction].search as string;
}

export function directionToRest(direction: Direction): string {
  return DIRECTIONS[direction].rest;
}

// Webhook event names: subscriptions spell them PascalCase (ConversationMessageAdded), the
// delivered `event_fqn` UPPER_SNAKE (CONVERSATION_MESSAGE_ADDED); REFERENCE.md §5.
const EVENT_TYPES: Record<string, Exclude<ConversationEventType, 'OTHER'>> = {
  CONVERSATION_CREATED: 'CREATED',
  CONVERSATION_MESSAGE_ADDED: 'MESSAGE_ADDED',
  CONVERSATION_NOTE_ADDED: 'NOTE_ADDED',
  CONVERSATION_ASSIGNED: 'ASSIGNED',
  CONVERSATION_UNASSIGNED: 'UNASSIGNED',
  CONVERSATION_TRANSFERRED: 'TRANSFERRED',
  CONVERSATION_ENQUEUED: 'ENQUEUED',
  CONVERSATION_OPEN: 'OPENED',
  CONVERSATION_PENDING: 'PENDING',
  CONVERSATION_PENDING_EXPIRED: 'PENDING_EXPIRED',
  CONVERSATION_CLOSED: 'CLOSED',
  CONVERSATION_ABANDONED: 'ABANDONED',
  CONVERSATION_TAG_ADDED: 'TAG_ADDED',
  CONVERSATION_TAG_REMOVED: 'TAG_REMOVED',
  CONVERSATION_RATED: 'RATED',
  CONVERSATION_CUSTOM_ATTRIBUTE_UPDATED: 'CUSTOM_ATTRIBUTE_UPDATED',
};

/** `ConversationMessageAdded` or `conversation_message_added` -> `CONVERSATION_MESSAGE_ADDED`. */
export function eventFqnOf(name: string): string {
  const trimmed = name.trim();
  const snake = /[a-z][A-Z]/.test(trimmed) ? trimmed.replace(/([a-z0-9])([A-Z])/g, '$1_$2') : trimmed;
  return snake.toUpperCase();
}

/** Unknown event names become OTHER; the event keeps the raw name in `rawType`. */
export function eventTypeFromWebhook(fqn: string): ConversationEventType {
  return EVENT_TYPES[eventFqnOf(fqn)] ?? 'OTHER';
}

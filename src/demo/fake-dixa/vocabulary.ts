// Dixa's vocabularies in one place: REST channel → conversation _type, and REST ↔ search-filter
// spellings (REFERENCE.md gotcha 6).

import type { DixaChannel, DixaConversationState, DixaDirection } from './wire.js';

/** REST channel → conversation `_type`. */
export const conversationTypeOf: Readonly<Record<string, string>> = {
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

/** Dixa's conversation `_type` for a REST channel; unknown channels are generic API messaging. */
export function conversationTypeFor(channel: DixaChannel): string {
  return conversationTypeOf[channel] ?? 'GenericConversation';
}

/** REST channel → search `Channel` value. */
export const searchChannelOf: Readonly<Record<string, string>> = {
  Email: 'email',
  ContactForm: 'contactform',
  WidgetChat: 'chat',
  Messenger: 'dixamessenger',
  PstnPhone: 'phone',
  Voicemail: 'voicemail',
  Callback: 'callback',
  Sms: 'sms',
  FacebookMessenger: 'facebookmessenger',
  WhatsApp: 'whatsapp',
  Twitter: 'twitter',
  AdaChat: 'adachat',
  DigitalGeniusChat: 'digitalgeniuschat',
  KindlyChat: 'kindlychat',
  GenericApiMessaging: 'genericapimessaging',
  Trustpilot: 'trustpilot',
  Yotpo: 'yotpo',
};

/** Every value the search `Channel` filter accepts. */
export const searchChannels: ReadonlySet<string> = new Set(Object.values(searchChannelOf));

export function searchChannel(channel: DixaChannel): string {
  return searchChannelOf[channel] ?? channel.toLowerCase();
}

/** REST state → search `Status`. AwaitingPending is undocumented; we read it as still open. */
export const searchStatusOf: Readonly<Record<DixaConversationState, string>> = {
  Open: 'open',
  AwaitingPending: 'open',
  Pending: 'pending',
  Closed: 'closed',
};

export const searchStatuses: ReadonlySet<string> = new Set(['open', 'pending', 'closed']);

export const searchDirectionOf: Readonly<Record<DixaDirection, string>> = {
  Inbound: 'inbound',
  Outbound: 'outbound',
  Internal: 'internal',
};

export const searchDirections: ReadonlySet<string> = new Set(Object.values(searchDirectionOf));

// The attributes variant a message on a given channel carries (REFERENCE.md §3), for
// messages the gateway knows before Dixa lists them: a reply it just sent, or one a
// webhook described. The inverse of message-body.ts, kept to what those two know.
import type { DixaContent, DixaDirection, DixaEmailContact, DixaFile, DixaMessageAttributes } from '../datasources/dixa/types.js';

export interface KnownMessage {
  content: DixaContent;
  direction: DixaDirection | null;
  attachments?: DixaFile[];
  /** Email-like channels: the envelope, as far as it is known. */
  from?: DixaEmailContact | null;
  to?: DixaEmailContact[];
}

const PLAIN_TYPES = {
  Sms: 'SmsAttributes',
  WhatsApp: 'WhatsAppAttributes',
  FacebookMessenger: 'FacebookMessengerAttributes',
  Twitter: 'TwitterAttributes',
} as const;

/** `channel` in REST spelling (`Email`, `WidgetChat`...); unknown channels get the generic variant. */
export function attributesForChannel(channel: string, message: KnownMessage): DixaMessageAttributes {
  const { content, direction } = message;
  const attachments = message.attachments ?? [];
  if (channel === 'Email' || channel === 'ContactForm') {
    return {
      _type: channel === 'Email' ? 'EmailAttributes' : 'ContactFormAttributes',
      emailContent: { _type: 'Regular', content },
      from: message.from ?? null,
      to: message.to ?? [],
      cc: [],
      bcc: [],
      isAutoReply: false,
      attachments,
      direction,
    };
  }
  if (channel === 'WidgetChat' || channel === 'Messenger') {
    return { _type: 'ChatAttributes', content, direction, attachments, isAutomated: false };
  }
  return { _type: PLAIN_TYPES[channel as keyof typeof PLAIN_TYPES] ?? 'GenericAttributes', content, direction, attachments };
}

// Who may write where: READ_ONLY when the gateway runs read-only, UNSUPPORTED_CHANNEL when
// a reply or a new conversation would go to a channel that is not a configured reply
// channel (or one Dixa's API cannot create). Checked before any Dixa write.
import type { GatewayConfig } from '../config.js';
import type { DixaConversation } from '../datasources/dixa/types.js';
import { ReadOnlyError, UnsupportedChannelError } from '../errors.js';
import type { Channel } from '../generated/graphql.js';
import { channelFromRest } from '../mapping/vocabulary.js';

export function assertWritable(config: GatewayConfig, mutation: string): void {
  if (config.dixa.access !== 'read-write') throw new ReadOnlyError(mutation);
}

export function assertReplyChannel(config: GatewayConfig, conversation: DixaConversation): Channel {
  const channel = channelFromRest(conversation.channel);
  const allowed = config.dixa.replyChannels;
  if (!allowed.includes(channel)) {
    throw new UnsupportedChannelError(
      `Conversation ${conversation.id} is on channel ${channel} (Dixa: ${conversation.channel}); replies go only to ${allowed.join(', ') || 'no channel'}, the channels in DIXA_REPLY_CHANNELS.`,
      { channel, rawChannel: conversation.channel, replyChannels: allowed },
    );
  }
  return channel;
}

/** The conversation kinds Dixa's API can create (no WhatsApp, Messenger or phone). */
export const CREATABLE_CHANNELS = ['EMAIL', 'CONTACT_FORM', 'WIDGET_CHAT', 'SMS'] as const;
export type CreatableChannel = (typeof CREATABLE_CHANNELS)[number];

export function assertCreatableChannel(config: GatewayConfig, channel: Channel): CreatableChannel {
  const creatable = (CREATABLE_CHANNELS as readonly string[]).includes(channel);
  const allowed = config.dixa.replyChannels;
  if (!creatable) {
    throw new UnsupportedChannelError(
      `Dixa's API cannot create ${channel} conversations; createConversation supports ${CREATABLE_CHANNELS.join(', ')}.`,
      { channel, replyChannels: allowed },
    );
  }
  if (!allowed.includes(channel)) {
    throw new UnsupportedChannelError(
      `${channel} is not one of the configured reply channels (${allowed.join(', ') || 'none'}); add it to DIXA_REPLY_CHANNELS to create ${channel} conversations.`,
      { channel, replyChannels: allowed },
    );
  }
  return channel as CreatableChannel;
}

/** Email-like conversations carry cc/bcc and an integration address. */
export function isEmailLike(conversation: DixaConversation): boolean {
  const channel = channelFromRest(conversation.channel);
  return channel === 'EMAIL' || channel === 'CONTACT_FORM';
}

// Turning an add-message / create-conversation message input into a stored Dixa message,
// with the attributes variant that fits the conversation's channel.

import type {
  DixaAddedMessage,
  DixaContent,
  DixaConversation,
  DixaDirection,
  DixaEmailContact,
  DixaFile,
  DixaMessage,
  DixaMessageAttributes,
} from './wire.js';
import { randomUUID } from 'node:crypto';
import {
  isUuid,
  objectBody,
  optionalString,
  optionalStringArray,
  requiredUuid,
  typeTag,
  type JsonObject,
} from './input.js';
import { badRequest, decodingFailure } from './reply.js';
import { isoMillis, zoned } from './time.js';
import type { FakeWorld } from './world.js';

export interface MessageInput {
  direction: 'Inbound' | 'Outbound';
  agentId?: string;
  content?: DixaContent;
  attachments: DixaFile[];
  integrationEmail?: string;
  externalId?: string;
  cc: string[];
  bcc: string[];
}

const contentTypes = new Set(['Text', 'Html', 'Markdown']);

export function parseMessageInput(raw: unknown): MessageInput {
  const body = objectBody(raw);
  const kind = typeTag(body);
  if (kind !== 'Inbound' && kind !== 'Outbound') throw decodingFailure();
  const input: MessageInput = {
    direction: kind,
    attachments: parseAttachments(body),
    cc: optionalStringArray(body, 'cc') ?? [],
    bcc: optionalStringArray(body, 'bcc') ?? [],
  };
  if (kind === 'Outbound') input.agentId = requiredUuid(body, 'agentId');
  if (body.content !== undefined && body.content !== null) input.content = parseContent(body.content);
  const integrationEmail = optionalString(body, 'integrationEmail');
  if (integrationEmail !== undefined) input.integrationEmail = integrationEmail;
  const externalId = optionalString(body, 'externalId');
  if (externalId !== undefined) input.externalId = externalId;
  return input;
}

function parseContent(raw: unknown): DixaContent {
  const content = objectBody(raw);
  const type = typeTag(content);
  if (!contentTypes.has(type) || typeof content.value !== 'string') throw decodingFailure();
  return { _type: type as DixaContent['_type'], value: content.value };
}

function parseAttachments(body: JsonObject): DixaFile[] {
  const raw = body.attachments;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw decodingFailure();
  return raw.map((item) => {
    const file = objectBody(item);
    if (typeof file.url !== 'string') throw decodingFailure();
    const prettyName = optionalString(file, 'prettyName');
    return prettyName === undefined ? { url: file.url } : { url: file.url, prettyName };
  });
}

/** 400 unless `id` is an agent/admin, with Dixa's texts for the two failure cases. */
export function requireAgent(world: FakeWorld, id: string, missing = 'User not found'): void {
  if (world.agents.has(id)) return;
  if (world.endUsers.has(id)) throw badRequest('User is not agent/admin');
  throw badRequest(missing);
}

type Family = 'email' | 'contactform' | 'chat' | 'sms' | 'whatsapp';

const familyOf: Readonly<Record<string, Family>> = {
  Email: 'email',
  ContactForm: 'contactform',
  WidgetChat: 'chat',
  Messenger: 'chat',
  Sms: 'sms',
  WhatsApp: 'whatsapp',
};

/** Checks an input against its conversation (channel rules, author, duplicate externalId). */
export function checkMessageInput(world: FakeWorld, conversation: DixaConversation, input: MessageInput): void {
  const family = familyOf[conversation.channel];
  if (!family) throw badRequest('Unsupported ConversationChannel');
  if ((family === 'sms' || family === 'whatsapp') && input.direction !== 'Outbound') {
    throw badRequest(`Only outbound messages are supported for ${conversation.channel} conversations`);
  }
  if (family === 'whatsapp') {
    if (input.content && input.content._type !== 'Markdown') throw badRequest('WhatsApp messages only support Markdown content');
    if (input.attachments.length > 1) throw badRequest('WhatsApp messages support at most one attachment');
  } else if (!input.content) {
    throw decodingFailure();
  }
  if (input.agentId) requireAgent(world, input.agentId);
  for (const file of input.attachments) {
    if (!/^https?:\/\/[^\s/]+/.test(file.url)) throw badRequest('Failure to download attachment');
  }
  if (input.externalId !== undefined && (world.messages.get(conversation.id) ?? []).some((m) => m.externalId === input.externalId)) {
    throw badRequest('Duplicate externalId');
  }
}

/** Stores the message (call checkMessageInput first) and returns the add-message answer. */
export function storeMessage(world: FakeWorld, conversation: DixaConversation, input: MessageInput, now: number): DixaAddedMessage {
  const authorId = input.direction === 'Outbound' ? (input.agentId as string) : conversation.requesterId;
  const direction: DixaDirection = input.direction;
  const message: DixaMessage = {
    id: randomUUID(),
    authorId,
    createdAt: zoned(now),
    attributes: attributesFor(world, conversation, input),
  };
  if (input.externalId !== undefined) message.externalId = input.externalId;
  const list = world.messages.get(conversation.id) ?? [];
  list.push(message);
  world.messages.set(conversation.id, list);
  const answer: DixaAddedMessage = { messageId: message.id, authorId, direction, createdAt: isoMillis(now) };
  if (input.content) answer.content = input.content;
  if (input.externalId !== undefined) answer.externalId = input.externalId;
  return answer;
}

function attributesFor(world: FakeWorld, conversation: DixaConversation, input: MessageInput): DixaMessageAttributes {
  const direction: DixaDirection = input.direction;
  // Dixa downloads attachments and serves its own copy.
  const attachments = input.attachments.map((f) => ({
    url: `https://files.dixa.io/private/${world.organization.id}/attachment/${randomUUID()}`,
    prettyName: f.prettyName ?? f.url.split('/').pop() ?? 'attachment',
  }));
  const family = familyOf[conversation.channel];
  if (family === 'email' || family === 'contactform') {
    const requester = world.endUsers.get(conversation.requesterId);
    const customer: DixaEmailContact = { email: requester?.email ?? conversation.fromEmail ?? '', name: requester?.displayName ?? null };
    const integration = input.integrationEmail ?? conversation.integrationEmail ?? conversation.toEmail ?? '';
    const support: DixaEmailContact = { email: integration, name: world.organization.name };
    const common = {
      emailContent: { _type: 'Regular' as const, content: input.content as DixaContent },
      from: direction === 'Inbound' ? customer : support,
      to: [direction === 'Inbound' ? support : customer],
      cc: input.cc.map((c) => emailContact(world, c)),
      bcc: input.bcc.map((c) => emailContact(world, c)),
      isAutoReply: false,
      inlineImages: [],
      attachments,
      direction,
    };
    return family === 'contactform' && direction === 'Inbound'
      ? { ...common, _type: 'ContactFormAttributes', replyDefaultToEmails: customer.email ? [customer.email] : [] }
      : { ...common, _type: 'EmailAttributes' };
  }
  if (family === 'chat') return { _type: 'ChatAttributes', content: input.content ?? null, direction, attachments, isAutomated: false };
  return { _type: family === 'whatsapp' ? 'WhatsAppAttributes' : 'SmsAttributes', content: input.content ?? null, direction, attachments };
}

/** cc/bcc entries are typed as uuids in the spec; accept user ids and plain addresses. */
function emailContact(world: FakeWorld, entry: string): DixaEmailContact {
  if (isUuid(entry)) {
    const user = world.agents.get(entry.toLowerCase()) ?? world.endUsers.get(entry.toLowerCase());
    if (user?.email) return { email: user.email, name: user.displayName ?? null };
  }
  return { email: entry };
}

// replyToConversation: an agent's Outbound message in the conversation itself (email keeps
// the conversation's integration address, so the reply stays in the customer's thread),
// sent exactly once per idempotencyKey, which becomes the message's Dixa externalId. The
// key's record (input hash, then the result) is written before the POST leaves, so a
// repeat after a restart still conflicts or returns the first result.
import { randomUUID } from 'node:crypto';
import type { GatewayConfig } from '../config.js';
import type { GatewayContext } from '../context.js';
import type {
  DixaContent,
  DixaContentType,
  DixaConversation,
  DixaConversationMessage,
  DixaOutboundMessageInput,
} from '../datasources/dixa/types.js';
import { BadUserInputError, NotFoundError } from '../errors.js';
import type { ReplyToConversationInput } from '../generated/graphql.js';
import { parseConversationId } from '../validation/ids.js';
import { contentTypeOf, LIMITS, parseBody, parseIdempotencyKey, parseOptionalUuid } from '../validation/write-arguments.js';
import { attributesForChannel } from '../mapping/message-attributes.js';
import { assertReplyChannel, isEmailLike } from './access.js';
import { sendMessageOnce, type SentMessage } from './exactly-once.js';
import { inputHash } from './idempotency-store.js';
import type { Checkpoint } from './idempotent-writes.js';
import { parseRecipients, resolveRecipients, type Recipient } from './recipients.js';
import { requireAgent, resolveAgentId } from './agents.js';

export interface ReplyRequest {
  conversationId: number;
  content: string;
  contentType: DixaContentType;
  agentId: string;
  agentFromDefault: boolean;
  cc: Recipient[];
  bcc: Recipient[];
  idempotencyKey: string | undefined;
}

export interface ReplyResult {
  conversationId: number;
  message: DixaConversationMessage;
}

/** Everything that can be checked without Dixa. */
export function parseReplyInput(input: ReplyToConversationInput, config: GatewayConfig): ReplyRequest {
  const conversationId = parseConversationId(input.conversationId, 'conversationId');
  const content = parseBody(input.content, 'content', LIMITS.content);
  const explicitAgent = parseOptionalUuid(input.agentId, 'agent', 'agentId');
  return {
    conversationId,
    content,
    contentType: contentTypeOf(input.format),
    ...resolveAgentId(explicitAgent, config, 'the reply is sent as'),
    cc: parseRecipients(input.cc, 'cc'),
    bcc: parseRecipients(input.bcc, 'bcc'),
    idempotencyKey: parseIdempotencyKey(input.idempotencyKey),
  };
}

export async function replyToConversation(ctx: GatewayContext, request: ReplyRequest): Promise<{ message: DixaConversationMessage; conversation: DixaConversation }> {
  const { dixa } = ctx;
  // Without a key, one per request: the gateway's own repeats of the POST stay safe.
  const key = request.idempotencyKey ?? `gw-${randomUUID()}`;
  const { idempotencyKey: _key, agentFromDefault: _default, ...defining } = request;
  const result = await ctx.writes.idempotency.run<Record<string, never>, ReplyResult>({
    scope: dixa.fingerprint,
    kind: 'reply',
    key,
    hash: inputHash(defining),
    start: () => ({}),
    work: (_progress, checkpoint) => send(ctx, request, key, checkpoint),
    // Dixa's externalId check is what makes a retry after a failure safe.
    keepOnFailure: false,
  });
  const conversation = await dixa.loaders.conversation.load(result.conversationId);
  if (!conversation) throw new NotFoundError(`Dixa has no conversation ${result.conversationId}.`, { argument: 'conversationId' });
  return { message: result.message, conversation };
}

async function send(ctx: GatewayContext, request: ReplyRequest, externalId: string, checkpoint: Checkpoint): Promise<ReplyResult> {
  const { dixa, config } = ctx;
  const { conversationId } = request;
  const conversation = await dixa.loaders.conversation.load(conversationId);
  if (!conversation) throw new NotFoundError(`Dixa has no conversation ${conversationId}.`, { argument: 'conversationId' });
  assertReplyChannel(config, conversation);
  const emailLike = isEmailLike(conversation);
  if (!emailLike && (request.cc.length > 0 || request.bcc.length > 0)) {
    throw new BadUserInputError(`cc and bcc apply only to email conversations; conversation ${conversationId} is ${conversation.channel}. Leave them out.`, {
      argument: request.cc.length > 0 ? 'cc' : 'bcc',
    });
  }
  const [, cc, bcc] = await Promise.all([
    requireAgent(dixa.loaders, request.agentId, request.agentFromDefault),
    resolveRecipients(dixa.loaders, request.cc, 'cc'),
    resolveRecipients(dixa.loaders, request.bcc, 'bcc'),
  ]);

  const content: DixaContent = { _type: request.contentType, value: request.content };
  const message: DixaOutboundMessageInput & { externalId: string } = { _type: 'Outbound', agentId: request.agentId, content, externalId };
  if (emailLike) {
    // The conversation's own integration address keeps the reply in the customer's thread.
    const integration = integrationEmailOf(conversation);
    if (integration) message.integrationEmail = integration.email;
    if (cc.length > 0) message.cc = cc;
    if (bcc.length > 0) message.bcc = bcc;
  }

  // Every check above read Dixa with this token (or its cache), so Dixa accepts it: the
  // key's record is written now, before the POST.
  await checkpoint();
  // Until the message is in the cached list, its webhook must not drop the list.
  const done = ctx.writes.pendingMessages.begin(dixa.fingerprint, conversationId, externalId);
  try {
    const sent = await sendMessageOnce(dixa.client, conversationId, message);
    // A plain reply is written through; with copies, Dixa's own record (which lists them) is read back.
    const withCopies = cc.length > 0 || bcc.length > 0;
    const listed = withCopies ? await readBackMessage(ctx, conversation.id, sent) : undefined;
    return { conversationId, message: listed ?? refreshedMessage(ctx, conversation, sent, content, externalId) };
  } finally {
    done();
  }
}

/**
 * Writes the sent message through into the conversation's cached messages, so a read right
 * after shows it without a Dixa call (and the MESSAGE_ADDED webhook that follows finds it
 * there). When the exactly-once check already read the list from Dixa, that list wins.
 */
function refreshedMessage(
  ctx: GatewayContext,
  conversation: DixaConversation,
  sent: SentMessage,
  content: DixaContent,
  externalId: string,
): DixaConversationMessage {
  const { dixa } = ctx;
  const id = conversation.id;
  const built: DixaConversationMessage = {
    id: sent.messageId,
    conversationId: id,
    authorId: sent.added?.authorId ?? '',
    createdAt: sent.added?.createdAt ?? new Date().toISOString(),
    externalId,
    attributes: attributesForChannel(conversation.channel, {
      content,
      direction: 'Outbound',
      from: integrationEmailOf(conversation),
      to: conversation.fromEmail ? [{ email: conversation.fromEmail }] : [],
    }),
  };
  if (sent.messages) {
    const listed = sent.messages.map((m) => ({ ...m, conversationId: id }));
    dixa.changes.messagesRead(id, listed);
    return listed.find((m) => m.id === sent.messageId) ?? built;
  }
  dixa.changes.messageAdded(id, built);
  return built;
}

/** The sent message as Dixa lists it (one read), or undefined when it is not listed yet. */
async function readBackMessage(ctx: GatewayContext, conversationId: number, sent: SentMessage): Promise<DixaConversationMessage | undefined> {
  const { dixa } = ctx;
  if (sent.messages) dixa.changes.messagesRead(conversationId, sent.messages.map((m) => ({ ...m, conversationId })));
  else dixa.changes.conversationPartsChanged(conversationId, ['messages']);
  const messages = await dixa.loaders.messages.load(conversationId).catch(() => [] as DixaConversationMessage[]);
  return messages.find((m) => m.id === sent.messageId);
}

/** The address the conversation's customer writes to: replies come from it. */
function integrationEmailOf(conversation: DixaConversation): { email: string } | null {
  const address = conversation.integrationEmail ?? conversation.toEmail;
  return address ? { email: address } : null;
}

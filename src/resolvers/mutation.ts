// Mutation fields: check that writes are allowed, validate the arguments, then hand over
// to the write services in src/writes/. Nothing here calls Dixa directly.
import { UpstreamError } from '../errors.js';
import type { MutationResolvers } from '../generated/graphql.js';
import { parseConversationId, parseUuid } from '../validation/ids.js';
import { LIMITS, parseBody, parseFutureDateTime, parseOptionalUuid, parseTagName } from '../validation/write-arguments.js';
import { assertWritable } from '../writes/access.js';
import { optionalAgentId } from '../writes/agents.js';
import * as actions from '../writes/conversation-actions.js';
import { createConversation } from '../writes/create-conversation.js';
import { parseCreateConversationInput } from '../writes/create-conversation-input.js';
import { parseReplyInput, replyToConversation } from '../writes/reply.js';

export const Mutation: MutationResolvers = {
  replyToConversation: (_root, { input }, ctx) => {
    assertWritable(ctx.config, 'replyToConversation');
    return replyToConversation(ctx, parseReplyInput(input, ctx.config));
  },

  createConversation: async (_root, { input }, ctx) => {
    assertWritable(ctx.config, 'createConversation');
    const id = await createConversation(ctx, parseCreateConversationInput(input, ctx.config));
    const conversation = await ctx.dixa.loaders.conversation.load(id);
    if (!conversation) throw new UpstreamError(`read conversation ${id}`, 'Dixa does not return the conversation it just created', { conversationId: String(id) });
    return { conversation };
  },

  addNote: (_root, args, ctx) => {
    assertWritable(ctx.config, 'addNote');
    const id = parseConversationId(args.conversationId, 'conversationId');
    const message = parseBody(args.message, 'message', LIMITS.note);
    const agent = optionalAgentId(parseOptionalUuid(args.agentId, 'agent', 'agentId'), ctx.config);
    return actions.addNote(ctx, id, message, agent);
  },

  closeConversation: (_root, args, ctx) => {
    assertWritable(ctx.config, 'closeConversation');
    const agentId = parseOptionalUuid(args.agentId, 'agent', 'agentId');
    return actions.closeConversation(ctx, parseConversationId(args.id), agentId ? { agentId, agentFromDefault: false } : undefined);
  },

  reopenConversation: (_root, args, ctx) => {
    assertWritable(ctx.config, 'reopenConversation');
    return actions.reopenConversation(ctx, parseConversationId(args.id));
  },

  setFollowUp: (_root, args, ctx) => {
    assertWritable(ctx.config, 'setFollowUp');
    const id = parseConversationId(args.id);
    const until = parseFutureDateTime(args.until, 'until');
    const agentId = parseOptionalUuid(args.agentId, 'agent', 'agentId');
    return actions.setFollowUp(ctx, id, until, agentId ? { agentId, agentFromDefault: false } : undefined);
  },

  assignConversation: (_root, args, ctx) => {
    assertWritable(ctx.config, 'assignConversation');
    return actions.assignConversation(ctx, parseConversationId(args.id), parseUuid(args.agentId, 'agent', 'agentId'), args.force ?? false);
  },

  transferConversation: (_root, args, ctx) => {
    assertWritable(ctx.config, 'transferConversation');
    return actions.transferConversation(ctx, parseConversationId(args.id), parseUuid(args.queueId, 'queue', 'queueId'));
  },

  tagConversation: (_root, args, ctx) => {
    assertWritable(ctx.config, 'tagConversation');
    return actions.tagConversation(ctx, parseConversationId(args.id), parseTagName(args.tag));
  },

  untagConversation: (_root, args, ctx) => {
    assertWritable(ctx.config, 'untagConversation');
    return actions.untagConversation(ctx, parseConversationId(args.id), parseTagName(args.tag));
  },
};

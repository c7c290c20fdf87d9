// The conversation actions: note, close, reopen, follow-up, claim, transfer, tag, untag.
// Each checks that the conversation (and the agent, queue or tag it names) exists, makes
// its one Dixa write, forgets exactly the cached records that write changed, and answers
// with the refreshed record read back through the loaders.
import type { GatewayContext } from '../context.js';
import type { DixaConversation, DixaNote } from '../datasources/dixa/types.js';
import { BadUserInputError, DixaRefusedError, NotFoundError } from '../errors.js';
import { requireAgent, type ResolvedAgent } from './agents.js';
import { assertActive, requireTag } from './tags.js';

async function existing(ctx: GatewayContext, id: number, argument = 'id'): Promise<DixaConversation> {
  const conversation = await ctx.dixa.loaders.conversation.load(id);
  if (!conversation) throw new NotFoundError(`Dixa has no conversation ${id} (${argument}).`, { argument });
  return conversation;
}

/** After a state or assignment change: the conversation record as Dixa now has it. */
async function refreshed(ctx: GatewayContext, id: number): Promise<DixaConversation> {
  ctx.dixa.changes.conversationPartsChanged(id, ['conversation']);
  return existing(ctx, id);
}

async function checkAgent(ctx: GatewayContext, agent: ResolvedAgent | undefined): Promise<void> {
  if (agent) await requireAgent(ctx.dixa.loaders, agent.agentId, agent.agentFromDefault);
}

export async function addNote(ctx: GatewayContext, id: number, message: string, agent: ResolvedAgent | undefined): Promise<DixaNote> {
  await Promise.all([existing(ctx, id, 'conversationId'), checkAgent(ctx, agent)]);
  const note = await ctx.dixa.client.addNote(id, { message, ...(agent ? { agentId: agent.agentId } : {}) });
  ctx.dixa.changes.conversationPartsChanged(id, ['notes']);
  return note;
}

export async function closeConversation(ctx: GatewayContext, id: number, agent: ResolvedAgent | undefined): Promise<DixaConversation> {
  await Promise.all([existing(ctx, id), checkAgent(ctx, agent)]);
  await ctx.dixa.client.closeConversation(id, agent?.agentId);
  return refreshed(ctx, id);
}

export async function reopenConversation(ctx: GatewayContext, id: number): Promise<DixaConversation> {
  await existing(ctx, id);
  await ctx.dixa.client.reopenConversation(id);
  return refreshed(ctx, id);
}

export async function setFollowUp(ctx: GatewayContext, id: number, until: string, agent: ResolvedAgent | undefined): Promise<DixaConversation> {
  await Promise.all([existing(ctx, id), checkAgent(ctx, agent)]);
  await ctx.dixa.client.followUp(id, until, agent?.agentId);
  return refreshed(ctx, id);
}

export async function assignConversation(ctx: GatewayContext, id: number, agentId: string, force: boolean): Promise<DixaConversation> {
  await Promise.all([existing(ctx, id), checkAgent(ctx, { agentId, agentFromDefault: false })]);
  try {
    await ctx.dixa.client.claimConversation(id, agentId, force);
  } catch (error) {
    if (error instanceof DixaRefusedError && error.status === 409) {
      throw new BadUserInputError(`Conversation ${id} is assigned to another agent; pass force: true to take it over.`, { argument: 'force', dixaStatus: 409 });
    }
    throw error;
  }
  return refreshed(ctx, id);
}

export async function transferConversation(ctx: GatewayContext, id: number, queueId: string): Promise<DixaConversation> {
  const [, queue] = await Promise.all([existing(ctx, id), ctx.dixa.loaders.queue.load(queueId)]);
  if (!queue) throw new NotFoundError(`Dixa has no queue ${queueId} (queueId).`, { argument: 'queueId' });
  await ctx.dixa.client.transferToQueue(id, queueId);
  return refreshed(ctx, id);
}

export async function tagConversation(ctx: GatewayContext, id: number, name: string): Promise<DixaConversation> {
  const [conversation, tag] = await Promise.all([existing(ctx, id), requireTag(ctx.dixa, name)]);
  await ctx.dixa.client.tagConversation(id, assertActive(tag).id);
  ctx.dixa.changes.conversationPartsChanged(id, ['conversationTags']);
  return conversation;
}

export async function untagConversation(ctx: GatewayContext, id: number, name: string): Promise<DixaConversation> {
  const [conversation, tag] = await Promise.all([existing(ctx, id), requireTag(ctx.dixa, name)]);
  await ctx.dixa.client.untagConversation(id, tag.id);
  ctx.dixa.changes.conversationPartsChanged(id, ['conversationTags']);
  return conversation;
}

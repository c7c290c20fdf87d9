// createConversation (an escalation from Applied): customer, then the conversation with its first
// message, then note, tags, custom attributes and queue transfer. Progress is recorded in
// the idempotency store (durable) before each POST and after each step, so a call again
// with the same key, even after a crash or restart, resumes the remaining steps on the
// same conversation and never creates a second one. A failed step's error carries the
// conversationId and the failedStep.
import { randomUUID } from 'node:crypto';
import type { GatewayContext } from '../context.js';
import type { RequestDixa } from '../datasources/dixa/index.js';
import type { DixaCreateConversationInput, DixaMessageInput } from '../datasources/dixa/types.js';
import { GatewayError, NotFoundError } from '../errors.js';
import { channelToRest } from '../mapping/vocabulary.js';
import { requireAgent } from './agents.js';
import { assertCustomerExists, findOrCreateCustomer } from './customer.js';
import type { CreateConversationRequest } from './create-conversation-input.js';
import { mayHaveBeenStored } from '../datasources/dixa/retry-policy.js';
import { inputHash } from './idempotency-store.js';
import type { Checkpoint } from './idempotent-writes.js';
import { ensureTag } from './tags.js';

export type CreateConversationStep = 'customer' | 'createConversation' | 'note' | 'tags' | 'customAttributes' | 'transfer';

interface Progress {
  customerId?: string;
  conversationId?: number;
  /**
   * The create POST may have reached Dixa: it was about to be sent (recorded ahead, in case
   * the process dies while it is out) or failed ambiguously. Dixa is searched before another
   * one is sent.
   */
  createUncertain: boolean;
  /** Likewise for the note POST (notes carry no externalId; the text is compared). */
  noteUncertain: boolean;
  /** Steps after the create that are finished (a list: the progress is stored as JSON). */
  done: CreateConversationStep[];
}

/** Candidates read when looking for a conversation whose create POST failed ambiguously. */
const RECENT_CONVERSATIONS = 10;

export async function createConversation(ctx: GatewayContext, request: CreateConversationRequest): Promise<number> {
  const { dixa } = ctx;
  const key = request.idempotencyKey ?? `gw-${randomUUID()}`;
  const { idempotencyKey: _key, ...defining } = request;
  return ctx.writes.idempotency.run<Progress, number>({
    scope: dixa.fingerprint,
    kind: 'createConversation',
    key,
    hash: inputHash(defining),
    start: () => ({ createUncertain: false, noteUncertain: false, done: [] }),
    work: (progress, checkpoint) => runCreateConversation(ctx, request, key, progress, checkpoint),
    // Kept only once Dixa may hold the conversation; before that a retry may change the input.
    keepOnFailure: (progress) => progress.conversationId !== undefined || progress.createUncertain,
  });
}

async function runCreateConversation(ctx: GatewayContext, request: CreateConversationRequest, key: string, progress: Progress, checkpoint: Checkpoint): Promise<number> {
  const { dixa } = ctx;
  const step = async <T>(name: CreateConversationStep, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw stepFailure(error, name, progress.conversationId, key);
    }
  };

  const finished = async (name: CreateConversationStep): Promise<void> => {
    progress.done.push(name);
    await checkpoint();
  };

  // Reads first, so an unknown customer, agent or queue stops createConversation before any write.
  // The record of the key is first written after a Dixa read for this token succeeded
  // (the customer lookup at the latest), right before the first POST.
  await Promise.all([
    progress.customerId ? undefined : assertCustomerExists(dixa, request.customer),
    request.agent ? requireAgent(dixa.loaders, request.agent.agentId, request.agent.agentFromDefault) : undefined,
    request.queueId ? requireQueue(dixa, request.queueId) : undefined,
  ]);

  if (progress.conversationId === undefined) {
    progress.customerId ??= await step('customer', () => findOrCreateCustomer(dixa, request.customer, checkpoint));
    const customerId = progress.customerId;
    progress.conversationId = await step('createConversation', () => createOnce(dixa, request, customerId, key, progress, checkpoint));
    await checkpoint();
    dixa.changes.conversationCreated(customerId);
  }
  const id = progress.conversationId;

  if (request.note !== undefined && !progress.done.includes('note')) {
    await step('note', () => addNoteOnce(dixa, id, request, progress, checkpoint));
    await finished('note');
  }
  if (request.tags.length > 0 && !progress.done.includes('tags')) {
    await step('tags', async () => {
      for (const [i, name] of request.tags.entries()) {
        const tag = await ensureTag(dixa, name, `tags[${i}]`);
        // PUT: applying a tag twice is harmless, so a resumed step simply applies them all.
        await dixa.client.tagConversation(id, tag.id);
      }
    });
    await finished('tags');
  }
  if (request.customAttributes && !progress.done.includes('customAttributes')) {
    const values = request.customAttributes;
    // Setting the same values again is harmless, so a resumed step simply sends them again.
    await step('customAttributes', () => dixa.client.patchConversationCustomAttributes(id, values));
    await finished('customAttributes');
  }
  if (request.queueId && !progress.done.includes('transfer')) {
    const queueId = request.queueId;
    await step('transfer', () => dixa.client.transferToQueue(id, queueId));
    await finished('transfer');
  }

  dixa.changes.conversationPartsChanged(id, ['conversation', 'messages', 'notes', 'conversationTags']);
  return id;
}

async function requireQueue(dixa: RequestDixa, queueId: string): Promise<void> {
  const queue = await dixa.loaders.queue.load(queueId);
  if (!queue) throw new NotFoundError(`Dixa has no queue ${queueId} (queueId).`, { argument: 'queueId' });
}

function createBody(request: CreateConversationRequest, requesterId: string, externalId: string): DixaCreateConversationInput {
  const content = { _type: request.contentType, value: request.content };
  const message: DixaMessageInput =
    request.direction === 'Outbound'
      ? { _type: 'Outbound', agentId: (request.agent as { agentId: string }).agentId, content, externalId }
      : { _type: 'Inbound', content, externalId };
  const language = request.language ? { language: request.language } : {};
  const variant = request.variant;
  switch (variant.channel) {
    case 'EMAIL':
    case 'CONTACT_FORM':
      return {
        _type: variant.channel === 'EMAIL' ? 'Email' : 'ContactForm',
        requesterId,
        emailIntegrationId: variant.emailIntegrationId,
        subject: variant.subject,
        message,
        ...language,
      };
    case 'WIDGET_CHAT':
      return { _type: 'Chat', requesterId, widgetId: variant.widgetId, message, ...language };
    case 'SMS':
      return { _type: 'Sms', requesterId, contactEndpointId: variant.contactEndpointId, message: message as Extract<DixaMessageInput, { _type: 'Outbound' }> };
  }
}

/**
 * POST /conversations, never twice for one key: after an ambiguous failure (now or in an
 * earlier attempt) the customer's recent conversations are searched for one whose first
 * message carries our externalId.
 */
async function createOnce(
  dixa: RequestDixa,
  request: CreateConversationRequest,
  customerId: string,
  externalId: string,
  progress: Progress,
  checkpoint: Checkpoint,
): Promise<number> {
  if (progress.createUncertain) {
    const found = await findCreated(dixa, request, customerId, externalId);
    if (found !== undefined) return found;
  }
  // Recorded before the POST leaves: if the process dies before the answer, a resume searches first.
  progress.createUncertain = true;
  await checkpoint();
  try {
    const { id } = await dixa.client.createConversation(createBody(request, customerId, externalId));
    progress.createUncertain = false;
    return id;
  } catch (error) {
    if (!mayHaveBeenStored(error)) {
      // Dixa refused it: nothing was stored.
      progress.createUncertain = false;
      throw error;
    }
    const found = await findCreated(dixa, request, customerId, externalId).catch(() => undefined);
    if (found === undefined) throw error;
    progress.createUncertain = false;
    return found;
  }
}

async function findCreated(dixa: RequestDixa, request: CreateConversationRequest, customerId: string, externalId: string): Promise<number | undefined> {
  const page = await dixa.client.listEndUserConversations(customerId, { pageLimit: RECENT_CONVERSATIONS });
  const channel = channelToRest(request.variant.channel).toLowerCase();
  const candidates = (page?.items ?? []).filter((c) => c.channel.toLowerCase() === channel);
  for (const candidate of candidates) {
    const messages = (await dixa.client.listMessages(candidate.id)) ?? [];
    if (messages[0]?.externalId === externalId) return candidate.id;
  }
  return undefined;
}

/** POST notes once: after an ambiguous failure, a note with the same text means it landed. */
async function addNoteOnce(dixa: RequestDixa, id: number, request: CreateConversationRequest, progress: Progress, checkpoint: Checkpoint): Promise<void> {
  const note = request.note as string;
  const landed = async () => ((await dixa.client.listNotes(id)) ?? []).some((n) => n.message === note);
  if (progress.noteUncertain && (await landed())) {
    progress.noteUncertain = false;
    return;
  }
  // Recorded before the POST leaves, as for the create.
  progress.noteUncertain = true;
  await checkpoint();
  try {
    await dixa.client.addNote(id, { message: note, ...(request.agent ? { agentId: request.agent.agentId } : {}) });
    progress.noteUncertain = false;
  } catch (error) {
    if (!mayHaveBeenStored(error)) {
      progress.noteUncertain = false;
      throw error;
    }
    if (!(await landed().catch(() => false))) throw error;
    progress.noteUncertain = false;
  }
}

/** The step's own error (same code), plus where createConversation stopped and how to resume. */
export class CreateConversationStepError extends GatewayError {
  constructor(
    readonly step: CreateConversationStep,
    readonly conversationId: number | undefined,
    readonly idempotencyKey: string,
    cause: GatewayError,
  ) {
    const where =
      conversationId === undefined
        ? `createConversation stopped at step ${step}, before a conversation was created`
        : `createConversation stopped at step ${step}; conversation ${conversationId} exists`;
    super(
      cause.code,
      `${cause.message} (${where}. Call createConversation again with idempotencyKey ${JSON.stringify(idempotencyKey)} and the same input to finish the remaining steps.)`,
      { ...cause.extensions, failedStep: step, ...(conversationId === undefined ? {} : { conversationId: String(conversationId) }), idempotencyKey },
      { cause },
    );
  }
}

function stepFailure(error: unknown, step: CreateConversationStep, conversationId: number | undefined, key: string): unknown {
  if (!(error instanceof GatewayError) || error instanceof CreateConversationStepError) return error;
  return new CreateConversationStepError(step, conversationId, key, error);
}

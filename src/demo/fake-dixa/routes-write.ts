// Write routes: create conversation, add message/note, state actions (close, reopen,
// follow-up, claim, transfer), tagging, tags, custom attributes and end users. Every
// conversation write raises a FakeChange through ctx.emit.

import { randomUUID } from 'node:crypto';
import type { DixaConversation, DixaCustomAttribute, DixaEndUser, DixaNote, DixaTag } from './wire.js';
import {
  dateTime,
  isUuid,
  objectBody,
  optionalBoolean,
  optionalObjectBody,
  optionalString,
  optionalStringArray,
  optionalUuid,
  requiredString,
  requiredUuid,
  typeTag,
  uuidParam,
  type JsonObject,
} from './input.js';
import { checkMessageInput, parseMessageInput, requireAgent, storeMessage } from './messages.js';
import { DixaHttpError, badRequest, created, decodingFailure, noContent, notFound, ok, type Reply } from './reply.js';
import type { Route, RouteContext } from './router.js';
import { conversationOf } from './routes-read.js';
import { conversationTypeFor } from './vocabulary.js';
import { isoSeconds, zoned } from './time.js';
import { defaultQueue, type FakeCustomAttributeDefinition, type FakeSelectOption, type FakeWorld } from './world.js';

/** `userId` of an action body: optional, but when given it must be an agent/admin. */
function actingUser(ctx: RouteContext, body: JsonObject): void {
  const userId = optionalUuid(body, 'userId');
  if (userId) requireAgent(ctx.world, userId);
}

function createConversation(ctx: RouteContext): Reply {
  const body = objectBody(ctx.body);
  const kind = typeTag(body);
  if (!['Email', 'ContactForm', 'Chat', 'Sms'].includes(kind)) throw badRequest('Unsupported ConversationChannel');
  const requesterId = requiredUuid(body, 'requesterId');
  if (body.message === undefined) throw decodingFailure();
  const message = parseMessageInput(body.message);
  const requester = ctx.world.endUsers.get(requesterId);
  if (!requester) throw badRequest('User not found');

  const now = Date.now();
  const id = ctx.world.nextConversationId;
  const channel = kind === 'Chat' ? 'WidgetChat' : kind;
  const conversation: DixaConversation = {
    _type: conversationTypeFor(channel),
    id,
    requesterId,
    channel,
    createdAt: isoSeconds(now),
    direction: message.direction,
    state: 'Open',
    stateUpdatedAt: isoSeconds(now),
    customAttributes: [],
  };
  if (kind === 'Email' || kind === 'ContactForm') {
    const integration = requiredString(body, 'emailIntegrationId');
    conversation.subject = requiredString(body, 'subject');
    conversation.fromEmail = requester.email ?? null;
    conversation.toEmail = integration;
    conversation.integrationEmail = integration;
  } else if (kind === 'Chat') {
    requiredUuid(body, 'widgetId');
    if (body.browserInfo !== undefined && body.browserInfo !== null) {
      const info = objectBody(body.browserInfo);
      const version = optionalString(info, 'version');
      conversation.browserInfo = { name: requiredString(info, 'name'), ...(version ? { version } : {}) };
    }
  } else {
    const endpoint = requiredString(body, 'contactEndpointId');
    if (message.direction !== 'Outbound') throw badRequest('Only outbound messages are supported for Sms conversations');
    conversation.fromNumber = endpoint;
    conversation.toNumber = requester.phoneNumber ?? null;
  }
  const language = optionalString(body, 'language');
  if (language && kind !== 'Sms') conversation.language = language;
  checkMessageInput(ctx.world, conversation, message);

  if (message.direction === 'Outbound' && message.agentId) {
    conversation.assignment = { agentId: message.agentId, assignedAt: isoSeconds(now) };
  } else {
    const queue = defaultQueue(ctx.world);
    if (queue) conversation.queue = { id: queue.id, queuedAt: isoSeconds(now) };
  }
  ctx.world.nextConversationId = id + 1;
  ctx.world.conversations.set(id, conversation);
  ctx.world.conversationTags.set(id, []);
  const added = storeMessage(ctx.world, conversation, message, now);
  ctx.emit({ kind: 'ConversationCreated', conversationId: id, messageId: added.messageId });
  ctx.emit({ kind: 'ConversationMessageAdded', conversationId: id, messageId: added.messageId });
  return created({ id });
}

function addMessage(ctx: RouteContext): Reply {
  const conversation = conversationOf(ctx);
  const input = parseMessageInput(ctx.body);
  checkMessageInput(ctx.world, conversation, input);
  const added = storeMessage(ctx.world, conversation, input, Date.now());
  ctx.emit({ kind: 'ConversationMessageAdded', conversationId: conversation.id, messageId: added.messageId });
  return ok(added);
}

function addNote(ctx: RouteContext): Reply {
  const conversation = conversationOf(ctx);
  const body = objectBody(ctx.body);
  const message = requiredString(body, 'message');
  const agentId = optionalUuid(body, 'agentId');
  if (agentId) requireAgent(ctx.world, agentId, 'Agent was not found');
  const createdAtRaw = optionalString(body, 'createdAt');
  const at = createdAtRaw === undefined ? Date.now() : dateTime(createdAtRaw);
  const note: DixaNote = { id: randomUUID(), createdAt: zoned(at), csid: conversation.id, message };
  const authorId = agentId ?? ctx.world.apiUserId;
  if (authorId) note.authorId = authorId;
  const list = ctx.world.notes.get(conversation.id) ?? [];
  list.push(note);
  ctx.world.notes.set(conversation.id, list);
  ctx.emit({ kind: 'ConversationNoteAdded', conversationId: conversation.id, noteId: note.id });
  return ok(note);
}

/** Moves the conversation to `state`; raises `kind` only when the state really changed. */
function setState(ctx: RouteContext, conversation: DixaConversation, state: 'Open' | 'Closed' | 'Pending', kind: 'ConversationOpen' | 'ConversationClosed' | 'ConversationPending'): void {
  if (conversation.state === state) return;
  conversation.state = state;
  conversation.stateUpdatedAt = isoSeconds(Date.now());
  ctx.emit({ kind, conversationId: conversation.id });
}

function close(ctx: RouteContext): Reply {
  const conversation = conversationOf(ctx);
  actingUser(ctx, optionalObjectBody(ctx.body));
  setState(ctx, conversation, 'Closed', 'ConversationClosed');
  return noContent();
}

function reopen(ctx: RouteContext): Reply {
  const conversation = conversationOf(ctx);
  actingUser(ctx, optionalObjectBody(ctx.body));
  // Offered again in its last queue, else the organization's default queue.
  if (!conversation.queue) {
    const queue = defaultQueue(ctx.world);
    if (queue) conversation.queue = { id: queue.id, queuedAt: isoSeconds(Date.now()) };
  }
  setState(ctx, conversation, 'Open', 'ConversationOpen');
  return noContent();
}

function followup(ctx: RouteContext): Reply {
  const conversation = conversationOf(ctx);
  const body = objectBody(ctx.body);
  dateTime(requiredString(body, 'timestamp'));
  actingUser(ctx, body);
  setState(ctx, conversation, 'Pending', 'ConversationPending');
  return noContent();
}

function claim(ctx: RouteContext): Reply {
  const conversation = conversationOf(ctx);
  const body = objectBody(ctx.body);
  const agentId = requiredUuid(body, 'agentId');
  const force = optionalBoolean(body, 'force') ?? false;
  requireAgent(ctx.world, agentId);
  const current = conversation.assignment?.agentId;
  if (current === agentId) return noContent();
  if (current && !force) throw new DixaHttpError(409, 'Conversation is already assigned to another agent');
  conversation.assignment = { agentId, assignedAt: isoSeconds(Date.now()) };
  ctx.emit({ kind: 'ConversationAssigned', conversationId: conversation.id });
  return noContent();
}

function transferToQueue(ctx: RouteContext): Reply {
  const conversation = conversationOf(ctx);
  const body = objectBody(ctx.body);
  const queueId = requiredUuid(body, 'queueId');
  actingUser(ctx, body);
  if (!ctx.world.queues.has(queueId)) throw badRequest('Queue does not exist');
  conversation.queue = { id: queueId, queuedAt: isoSeconds(Date.now()) };
  // A transfer puts the conversation back up for offering, so nobody holds it.
  conversation.assignment = null;
  ctx.emit({ kind: 'ConversationTransferred', conversationId: conversation.id });
  return noContent();
}

function tagOf(ctx: RouteContext): DixaTag {
  const tag = ctx.world.tags.get(uuidParam(ctx.params.tagId, 'tagId'));
  if (!tag) throw notFound();
  return tag;
}

function tagConversation(ctx: RouteContext): Reply {
  const conversation = conversationOf(ctx);
  const tag = tagOf(ctx);
  if (tag.state === 'Inactive') throw badRequest('Tag is deactivated');
  applyTag(ctx, conversation.id, tag);
  return noContent();
}

function applyTag(ctx: RouteContext, conversationId: number, tag: DixaTag): void {
  const ids = ctx.world.conversationTags.get(conversationId) ?? [];
  if (ids.includes(tag.id)) return;
  ctx.world.conversationTags.set(conversationId, [...ids, tag.id]);
  ctx.emit({ kind: 'ConversationTagAdded', conversationId, tagName: tag.name });
}

function untagConversation(ctx: RouteContext): Reply {
  const conversation = conversationOf(ctx);
  const tag = tagOf(ctx);
  const ids = ctx.world.conversationTags.get(conversation.id) ?? [];
  if (ids.includes(tag.id)) {
    ctx.world.conversationTags.set(conversation.id, ids.filter((id) => id !== tag.id));
    ctx.emit({ kind: 'ConversationTagRemoved', conversationId: conversation.id, tagName: tag.name });
  }
  return noContent();
}

/** Existing tag with this name (case-insensitive), else a new Active one. */
function ensureTag(world: FakeWorld, name: string, color: string | undefined): DixaTag {
  const existing = [...world.tags.values()].find((t) => t.name.toLowerCase() === name.toLowerCase());
  if (existing) return existing;
  const tag: DixaTag = { id: randomUUID(), name, ...(color ? { color } : {}), state: 'Active' };
  world.tags.set(tag.id, tag);
  return tag;
}

function createTag(ctx: RouteContext): Reply {
  const body = objectBody(ctx.body);
  const name = requiredString(body, 'name').trim();
  if (name === '') throw badRequest();
  return ok(ensureTag(ctx.world, name, optionalString(body, 'color')));
}

function bulkTag(ctx: RouteContext): Reply {
  const conversation = conversationOf(ctx);
  const body = objectBody(ctx.body);
  if (!Array.isArray(body.data)) throw decodingFailure();
  const names = body.data.map((item) => requiredString(objectBody(item), 'name').trim());
  for (const name of names) {
    const tag = ensureTag(ctx.world, name, undefined);
    if (tag.state !== 'Inactive') applyTag(ctx, conversation.id, tag);
  }
  return { status: 202 };
}

/** Checks a Select value path against the option tree. */
function validPath(options: FakeSelectOption[], path: string[]): boolean {
  let level = options;
  for (const step of path) {
    const option = level.find((o) => o.value === step && !o.isDeactivated);
    if (!option) return false;
    level = option.nestedOptions;
  }
  return path.length > 0;
}

/** Applies a `{<attribute uuid>: value | null}` patch to `current`; 400 on anything invalid. */
function patchAttributes(world: FakeWorld, entityType: FakeCustomAttributeDefinition['entityType'], current: DixaCustomAttribute[], body: unknown): DixaCustomAttribute[] {
  const patch = objectBody(body);
  const next = [...current];
  for (const [key, value] of Object.entries(patch)) {
    const definition = isUuid(key) ? world.customAttributeDefinitions.get(key.toLowerCase()) : undefined;
    if (!definition || definition.entityType !== entityType || definition.isArchived) throw badRequest('Invalid input for patching');
    const index = next.findIndex((a) => a.id === definition.id);
    if (value === null) {
      if (index >= 0) next.splice(index, 1);
      continue;
    }
    const input = definition.inputDefinition;
    const valid = input._type === 'Text' ? typeof value === 'string' : Array.isArray(value) && value.every((v) => typeof v === 'string') && validPath(input.options, value as string[]);
    if (!valid) throw badRequest('Invalid input for patching');
    const attribute: DixaCustomAttribute = { id: definition.id, name: definition.label, identifier: definition.identifier, value: value as string | string[] };
    if (index >= 0) next[index] = attribute;
    else next.push(attribute);
  }
  return next;
}

function patchConversationAttributes(ctx: RouteContext): Reply {
  const conversation = conversationOf(ctx);
  conversation.customAttributes = patchAttributes(ctx.world, 'Conversation', conversation.customAttributes ?? [], ctx.body);
  ctx.emit({ kind: 'ConversationCustomAttributeUpdated', conversationId: conversation.id });
  return ok(conversation.customAttributes);
}

function patchEndUserAttributes(ctx: RouteContext): Reply {
  const user = ctx.world.endUsers.get(uuidParam(ctx.params.id, 'userId'));
  if (!user) throw notFound();
  user.customAttributes = patchAttributes(ctx.world, 'Contact', user.customAttributes ?? [], ctx.body);
  return ok(user.customAttributes);
}

function createEndUser(ctx: RouteContext): Reply {
  const body = objectBody(ctx.body);
  const user: DixaEndUser = {
    id: randomUUID(),
    createdAt: isoSeconds(Date.now()),
    additionalEmails: optionalStringArray(body, 'additionalEmails') ?? [],
    additionalPhoneNumbers: optionalStringArray(body, 'additionalPhoneNumbers') ?? [],
    middleNames: optionalStringArray(body, 'middleNames') ?? [],
    customAttributes: [],
  };
  for (const key of ['displayName', 'email', 'phoneNumber', 'firstName', 'lastName', 'avatarUrl', 'externalId'] as const) {
    const value = optionalString(body, key);
    if (value !== undefined) user[key] = value;
  }
  if (typeof user.email === 'string' && !/^[^\s@]+@[^\s@]+$/.test(user.email)) throw badRequest('Invalid email address');
  if (typeof user.phoneNumber === 'string' && !/^\+?[\d\s()-]{5,20}$/.test(user.phoneNumber)) throw badRequest('Invalid phone number');
  if (user.displayName === undefined) {
    const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
    user.displayName = name || user.email || user.phoneNumber || null;
  }
  ctx.world.endUsers.set(user.id, user);
  return created(user);
}

export const writeRoutes: readonly Route[] = [
  { method: 'POST', pattern: '/conversations', handler: createConversation },
  { method: 'POST', pattern: '/conversations/:id/messages', handler: addMessage },
  { method: 'POST', pattern: '/conversations/:id/notes', handler: addNote },
  { method: 'PUT', pattern: '/conversations/:id/close', handler: close },
  { method: 'PUT', pattern: '/conversations/:id/reopen', handler: reopen },
  { method: 'PUT', pattern: '/conversations/:id/followup', handler: followup },
  { method: 'PUT', pattern: '/conversations/:id/claim', handler: claim },
  { method: 'PUT', pattern: '/conversations/:id/transfer/queue', handler: transferToQueue },
  { method: 'PUT', pattern: '/conversations/:id/tags/:tagId', handler: tagConversation },
  { method: 'DELETE', pattern: '/conversations/:id/tags/:tagId', handler: untagConversation },
  { method: 'POST', pattern: '/conversations/:id/tags/bulk', handler: bulkTag },
  { method: 'PATCH', pattern: '/conversations/:id/custom-attributes', handler: patchConversationAttributes },
  { method: 'POST', pattern: '/tags', handler: createTag },
  { method: 'POST', pattern: '/endusers', handler: createEndUser },
  { method: 'PATCH', pattern: '/endusers/:id/custom-attributes', handler: patchEndUserAttributes },
];

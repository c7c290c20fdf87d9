// The fake's organization activity log (GET /conversations/activitylog): every conversation
// change is also written here, in the spec's ActivityLogEntry shape, so the gateway can
// recover what webhooks did not deliver. Entries live beside the world (a WeakMap keyed by
// it), so FakeWorld and the seeds stay as they are.
import { randomUUID } from 'node:crypto';
import type { FakeChange } from './changes.js';
import { zoned } from './time.js';
import type { FakeWorld } from './world.js';

export interface FakeActivityUser {
  id: string;
  name?: string;
  email?: string;
  phoneNumber?: string;
}

/** ActivityLogEntry (spec): `_type` names the activity; `activityType` is its deprecated twin. */
export interface FakeActivity {
  id: string;
  conversationId: number;
  /** Zoned form, e.g. `2021-12-01T12:46:36.581Z[GMT]`. */
  activityTimestamp: string;
  _type: string;
  activityType: { _type: string };
  author?: FakeActivityUser;
  attributes?: Record<string, unknown>;
  /** Epoch ms, for filtering; not sent. */
  at: number;
}

const logs = new WeakMap<FakeWorld, FakeActivity[]>();

export function activitiesOf(world: FakeWorld): FakeActivity[] {
  let log = logs.get(world);
  if (!log) {
    log = [];
    logs.set(world, log);
  }
  return log;
}

function authorOf(world: FakeWorld, id: string | null | undefined): FakeActivityUser | undefined {
  if (!id) return undefined;
  const agent = world.agents.get(id);
  if (agent) return { id, name: agent.displayName, email: agent.email, ...(agent.phoneNumber ? { phoneNumber: agent.phoneNumber } : {}) };
  const user = world.endUsers.get(id);
  return { id, ...(user?.displayName ? { name: user.displayName } : {}), ...(user?.email ? { email: user.email } : {}) };
}

/** The activity Dixa logs for a change: its `_type`, author and attributes. */
function describe(world: FakeWorld, change: Omit<FakeChange, 'token'>): Pick<FakeActivity, '_type' | 'author' | 'attributes'> | undefined {
  const conversation = world.conversations.get(change.conversationId);
  const actor = authorOf(world, world.apiUserId);
  switch (change.kind) {
    case 'ConversationCreated': {
      const inbound = (conversation?.direction ?? 'Inbound') !== 'Outbound';
      return {
        _type: inbound ? 'ConversationCreatedByCustomer' : 'ConversationCreatedByAgent',
        author: inbound ? authorOf(world, conversation?.requesterId) : actor,
        attributes: conversation?.subject ? { subject: conversation.subject } : {},
      };
    }
    case 'ConversationMessageAdded': {
      const message = (world.messages.get(change.conversationId) ?? []).find((m) => m.id === change.messageId);
      const direction = (message?.attributes as { direction?: string | null } | undefined)?.direction ?? 'Inbound';
      return {
        _type: direction === 'Inbound' ? 'MessageAddedByCustomer' : 'MessageAddedByAgent',
        author: authorOf(world, message?.authorId),
        attributes: { messageId: change.messageId },
      };
    }
    case 'ConversationNoteAdded': {
      const note = (world.notes.get(change.conversationId) ?? []).find((n) => n.id === change.noteId);
      return { _type: 'NoteAdded', author: authorOf(world, note?.authorId), attributes: { message: note?.message ?? '' } };
    }
    case 'ConversationClosed':
      return { _type: 'ConversationClosed', author: actor };
    case 'ConversationOpen':
      return { _type: 'ConversationReopened', author: actor };
    case 'ConversationPending':
      return { _type: 'FollowupAdded', author: actor };
    case 'ConversationAssigned': {
      const agentId = conversation?.assignment?.agentId ?? '';
      return { _type: 'ConversationAssigned', author: actor, attributes: { agentId, agentName: world.agents.get(agentId)?.displayName ?? '' } };
    }
    case 'ConversationTransferred':
      return {
        _type: 'TransferSuccessful',
        author: actor,
        attributes: { transferType: 'Manual', destinationType: 'Queue', destinationId: conversation?.queue?.id ?? '' },
      };
    case 'ConversationTagAdded':
      return { _type: 'TagAdded', author: actor, attributes: { tag: change.tagName ?? '' } };
    case 'ConversationTagRemoved':
      return { _type: 'TagRemoved', author: actor, attributes: { tag: change.tagName ?? '' } };
    case 'ConversationCustomAttributeUpdated':
      return { _type: 'ConversationCustomAttributesUpdated', author: actor, attributes: {} };
    default:
      return undefined;
  }
}

/** Logs the activity of a change, at `now`. */
export function recordActivity(world: FakeWorld, change: Omit<FakeChange, 'token'>, now: number = Date.now()): void {
  const described = describe(world, change);
  if (!described) return;
  const { author, attributes, _type } = described;
  activitiesOf(world).push({
    id: randomUUID(),
    conversationId: change.conversationId,
    activityTimestamp: zoned(now),
    _type,
    activityType: { _type: `${_type}ActivityType` },
    ...(author ? { author } : {}),
    ...(attributes ? { attributes } : {}),
    at: now,
  });
}

/** The entry as Dixa sends it (without the fake's own `at`). */
export function activityBody(activity: FakeActivity): Omit<FakeActivity, 'at'> {
  const { at: _at, ...body } = activity;
  return body;
}

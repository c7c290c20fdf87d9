// The in-memory data of one fake Dixa organization, plus small lookups tests use to pick
// ids. Handlers mutate these maps directly; tests read them to build expectations.

import type {
  DixaAgent,
  DixaConversation,
  DixaEndUser,
  DixaMessage,
  DixaNote,
  DixaOrganization,
  DixaQueue,
  DixaTag,
} from './wire.js';

/** One option of a Select custom attribute (not in the gateway's types; it never reads definitions). */
export interface FakeSelectOption {
  id: string;
  label: string;
  value: string;
  nestedOptions: FakeSelectOption[];
  isDeactivated: boolean;
  orderIndex: number;
}

/** `GET /custom-attributes` item, per the spec's CustomAttributeDefinition. */
export interface FakeCustomAttributeDefinition {
  id: string;
  entityType: 'Contact' | 'Conversation';
  identifier: string;
  label: string;
  inputDefinition: { _type: 'Text'; placeholder?: string } | { _type: 'Select'; options: FakeSelectOption[] };
  description?: string;
  createdAt: string;
  updatedAt?: string;
  isRequired: boolean;
  isArchived: boolean;
  isDeactivated: boolean;
}

/** `GET /contact-endpoints` item: where valid `emailIntegrationId` / SMS `contactEndpointId` values come from. */
export type FakeContactEndpoint =
  | { _type: 'EmailEndpoint'; address: string; name?: string }
  | { _type: 'TelephonyEndpoint'; number: string; functionality: string[]; name?: string };

export interface FakeWorld {
  organization: DixaOrganization;
  /** By conversation id (int64). */
  conversations: Map<number, DixaConversation>;
  /** By conversation id; oldest first. */
  messages: Map<number, DixaMessage[]>;
  /** By conversation id; oldest first. */
  notes: Map<number, DixaNote[]>;
  /** By conversation id: the tag ids on it (may include tags deactivated since). */
  conversationTags: Map<number, string[]>;
  /** By user uuid. `customAttributes` lives on the end user object. */
  endUsers: Map<string, DixaEndUser>;
  /** By user uuid. */
  agents: Map<string, DixaAgent>;
  /** By queue uuid; the one with `isDefault` receives reopened and new inbound conversations. */
  queues: Map<string, DixaQueue>;
  /** By tag uuid, Active and Inactive. */
  tags: Map<string, DixaTag>;
  /** By attribute uuid; conversation values live on `conversation.customAttributes`. */
  customAttributeDefinitions: Map<string, FakeCustomAttributeDefinition>;
  contactEndpoints: FakeContactEndpoint[];
  /** The agent who owns the API token: author of notes and actions that name no user. */
  apiUserId: string | undefined;
  /** Id the next created conversation gets. */
  nextConversationId: number;
}

export function emptyWorld(organizationName = 'Empty Organization'): FakeWorld {
  const subdomain = organizationName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'org';
  return {
    organization: { id: '00000000-0000-4000-8000-000000000001', name: organizationName, subdomain, status: 'Active' },
    conversations: new Map(),
    messages: new Map(),
    notes: new Map(),
    conversationTags: new Map(),
    endUsers: new Map(),
    agents: new Map(),
    queues: new Map(),
    tags: new Map(),
    customAttributeDefinitions: new Map(),
    contactEndpoints: [],
    apiUserId: undefined,
    nextConversationId: 1000,
  };
}

/** Conversations matching `predicate`, in id order. */
export function findConversations(
  world: FakeWorld,
  predicate: (conversation: DixaConversation, world: FakeWorld) => boolean,
): DixaConversation[] {
  return [...world.conversations.values()].filter((c) => predicate(c, world)).sort((a, b) => a.id - b.id);
}

/** The first conversation matching `predicate`; throws when none does, so a test fails loudly. */
export function findConversation(
  world: FakeWorld,
  predicate: (conversation: DixaConversation, world: FakeWorld) => boolean,
): DixaConversation {
  const found = findConversations(world, predicate)[0];
  if (!found) throw new Error('fake-dixa: no conversation matches');
  return found;
}

/** The conversation whose messages include one with this `attributes._type`. */
export function findConversationWithAttributes(world: FakeWorld, attributesType: string): DixaConversation {
  return findConversation(world, (c) => (world.messages.get(c.id) ?? []).some((m) => m.attributes._type === attributesType));
}

export function defaultQueue(world: FakeWorld): DixaQueue | undefined {
  const queues = [...world.queues.values()];
  return queues.find((q) => q.isDefault) ?? queues[0];
}

export function activeTags(world: FakeWorld): DixaTag[] {
  return [...world.tags.values()].filter((t) => t.state !== 'Inactive');
}

export function emailEndpoints(world: FakeWorld): string[] {
  return world.contactEndpoints.flatMap((e) => (e._type === 'EmailEndpoint' ? [e.address] : []));
}

export function smsEndpoints(world: FakeWorld): string[] {
  return world.contactEndpoints.flatMap((e) => (e._type === 'TelephonyEndpoint' && e.functionality.includes('Sms') ? [e.number] : []));
}

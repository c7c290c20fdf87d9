// seedWorld: a deterministic, realistic organization (customers, agents, queues, tags and
// conversations on every channel, with every message-attributes variant somewhere).

import type {
  DixaAgent,
  DixaChannel,
  DixaConversation,
  DixaConversationState,
  DixaCustomAttribute,
  DixaDirection,
  DixaEmailAttributes,
  DixaEndUser,
  DixaFile,
  DixaMessage,
  DixaMessageAttributes,
  DixaNote,
} from './wire.js';
import { createRandom, type Random } from './random.js';
import { conversationTypeFor } from './vocabulary.js';
import {
  INACTIVE_TAG,
  agentNames,
  autoReplyText,
  botGreetings,
  browsers,
  emailDomains,
  firstNames,
  lastNames,
  noteLines,
  phonePrefixes,
  queueNames,
  scripts,
  tagSeeds,
  type Script,
} from './seed-text.js';
import { isoSeconds, zoned } from './time.js';
import { emptyWorld, type FakeCustomAttributeDefinition, type FakeSelectOption, type FakeWorld } from './world.js';

export interface SeedOptions {
  seed?: number;
  conversations?: number;
  customers?: number;
  agents?: number;
  queues?: number;
  tags?: number;
}

export const SUPPORT_EMAIL = 'support@acme.email.dixa.io';
export const RETURNS_EMAIL = 'returns@acme.email.dixa.io';
export const SMS_NUMBER = '+4570701234';
export const VOICE_NUMBER = '+4570705678';
/** The first seeded conversation id; the rest follow with small gaps. */
export const FIRST_CONVERSATION_ID = 1000;

/** Custom-attribute identifiers the seed defines (look the uuid up by identifier). */
export const ATTRIBUTE_ORDER_NUMBER = 'order_number';
export const ATTRIBUTE_CONTACT_REASON = 'contact_reason';
export const ATTRIBUTE_CUSTOMER_TIER = 'customer_tier';
export const ATTRIBUTE_LOYALTY_ID = 'loyalty_id';

const SEED_START = Date.parse('2024-03-01T08:00:00Z');
const SEED_SPAN_MS = 120 * 24 * 3600 * 1000;
const MINUTE = 60_000;

type Channel = DixaChannel;

/** Conversation kinds the seed always includes first, so every variant exists at the default size. */
interface Plan {
  channel: Channel;
  state: DixaConversationState;
  direction: DixaDirection;
  rich: boolean;
  unassigned: boolean;
  noQueue: boolean;
}

const showcase: readonly Partial<Plan>[] = [
  { channel: 'Email', rich: true, state: 'Open', direction: 'Inbound' },
  { channel: 'ContactForm', rich: true, state: 'Pending' },
  { channel: 'WidgetChat', rich: true, state: 'Closed' },
  { channel: 'Sms', state: 'Open', direction: 'Outbound' },
  { channel: 'Messenger', rich: true, state: 'AwaitingPending' },
  { channel: 'WhatsApp', state: 'Open', unassigned: true },
  { channel: 'FacebookMessenger', state: 'Closed' },
  { channel: 'PstnPhone', rich: true, state: 'Closed' },
  { channel: 'Twitter', state: 'Closed' },
  // A channel newer than the gateway's enum: it must pass through as a plain string.
  { channel: 'Trustpilot', state: 'Open', unassigned: true, noQueue: true },
  { channel: 'Email', state: 'Pending', direction: 'Outbound' },
  { channel: 'Voicemail', state: 'Open', unassigned: true },
  { channel: 'Email', state: 'Closed', noQueue: true },
];

const channelWeights: readonly (readonly [Channel, number])[] = [
  ['Email', 35], ['WidgetChat', 20], ['ContactForm', 15], ['Sms', 12],
  ['PstnPhone', 6], ['WhatsApp', 4], ['FacebookMessenger', 4], ['Messenger', 4],
];

const stateWeights: readonly (readonly [DixaConversationState, number])[] = [
  ['Closed', 50], ['Open', 30], ['Pending', 15], ['AwaitingPending', 5],
];

function weighted<T>(rng: Random, table: readonly (readonly [T, number])[]): T {
  const total = table.reduce((sum, [, w]) => sum + w, 0);
  let roll = rng.next() * total;
  for (const [value, w] of table) {
    roll -= w;
    if (roll < 0) return value;
  }
  return (table[table.length - 1] as readonly [T, number])[0];
}

function ascii(name: string): string {
  return name.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function seedWorld(options: SeedOptions = {}): FakeWorld {
  const opts = { seed: 1, conversations: 60, customers: 25, agents: 8, queues: 3, tags: 10, ...options };
  const rng = createRandom(opts.seed);
  const world = emptyWorld('Acme Outdoor Gear');
  world.organization = { id: rng.uuid(), name: 'Acme Outdoor Gear', subdomain: 'acme-outdoor', status: 'Active' };
  const orgId = world.organization.id;
  world.contactEndpoints = [
    { _type: 'EmailEndpoint', address: SUPPORT_EMAIL, name: 'Acme support' },
    { _type: 'EmailEndpoint', address: RETURNS_EMAIL, name: 'Acme returns' },
    { _type: 'TelephonyEndpoint', number: SMS_NUMBER, functionality: ['Sms'], name: 'DK SMS' },
    { _type: 'TelephonyEndpoint', number: VOICE_NUMBER, functionality: ['VoiceInbound', 'VoiceOutbound'], name: 'DK hotline' },
  ];

  seedAgents(world, rng, opts.agents);
  seedQueues(world, rng, opts.queues);
  seedTags(world, rng, opts.tags);
  const attributes = seedAttributeDefinitions(world, rng);
  seedEndUsers(world, rng, opts.customers, attributes);
  seedConversations(world, rng, opts.conversations, attributes, orgId);
  return world;
}

function seedAgents(world: FakeWorld, rng: Random, count: number): void {
  for (let i = 0; i < count; i++) {
    const named = agentNames[i];
    const first = named ? named[0] : (firstNames[(i * 7) % firstNames.length] as string);
    const last = named ? named[1] : (lastNames[(i * 3) % lastNames.length] as string);
    const suffix = named ? '' : String(i);
    const id = rng.uuid();
    const agent: DixaAgent = {
      id,
      createdAt: isoSeconds(Date.parse('2022-01-10T09:00:00Z') + rng.int(0, 400) * 24 * 3600 * 1000),
      displayName: `${first} ${last}`,
      email: `${ascii(first)}.${ascii(last)}${suffix}@acme-outdoor.com`,
      avatarUrl: `https://files.dixa.io/public/avatars/${id}`,
      additionalEmails: [],
      additionalPhoneNumbers: [],
      firstName: first,
      lastName: last,
      middleNames: [],
      // The first agent owns the API token; two admins so role filters have something to find.
      roles: i === 0 ? ['Agent', 'Admin'] : i === 1 ? ['Admin'] : ['Agent'],
    };
    if (i % 3 === 0) agent.phoneNumber = `+4533${String(100000 + i * 1371).slice(0, 6)}`;
    world.agents.set(id, agent);
    if (i === 0) world.apiUserId = id;
  }
}

function seedQueues(world: FakeWorld, rng: Random, count: number): void {
  for (let i = 0; i < count; i++) {
    const id = rng.uuid();
    world.queues.set(id, {
      id,
      name: queueNames[i] ?? `Queue ${i + 1}`,
      isDefault: i === 0,
      organizationId: world.organization.id,
      priority: i + 1,
      ...queueRouting(id, i),
    });
  }
}

/**
 * The routing settings Dixa returns on every queue (spec Queue1; the fake does not route by
 * them). Fixed values, no rng draws, so the rest of the seed stays as it was.
 */
function queueRouting(id: string, index: number) {
  const usages: Record<string, string[]> =
    index === 0 ? { Email: [SUPPORT_EMAIL], Sms: [SMS_NUMBER], PstnPhone: [VOICE_NUMBER] } : index === 1 ? { Email: [RETURNS_EMAIL] } : {};
  return {
    queueThresholds: { SlaPercentage: 80, WaitingConversations: 20 },
    slaCalculationMethod: 'AbandonedIgnored',
    offerTimeout: 30,
    offeringAlgorithm: 'AllAtOnce',
    memberListType: 'Default',
    usages: { queueId: id, usages },
    wrapupTimeout: 60,
    offerAbandonedConversations: false,
    doNotOfferTimeouts: { WidgetChat: 0 },
    isDoNotOfferEnabled: false,
    isPreferredAgentEnabled: false,
    preferredAgentOfflineTimeout: 300,
    personalAgentOfflineTimeout: 300,
    isRestricted: false,
  };
}

function seedTags(world: FakeWorld, rng: Random, count: number): void {
  for (let i = 0; i < count; i++) {
    const [name, color] = tagSeeds[i] ?? [`topic-${i + 1}`, undefined];
    const id = rng.uuid();
    world.tags.set(id, { id, name, ...(color ? { color } : {}), state: name === INACTIVE_TAG ? 'Inactive' : 'Active' });
  }
  // Small worlds still get one deactivated tag.
  const all = [...world.tags.values()];
  const last = all[all.length - 1];
  if (all.length >= 2 && !all.some((t) => t.state === 'Inactive') && last) last.state = 'Inactive';
}

interface AttributeIds {
  orderNumber: FakeCustomAttributeDefinition;
  contactReason: FakeCustomAttributeDefinition;
  customerTier: FakeCustomAttributeDefinition;
  loyaltyId: FakeCustomAttributeDefinition;
}

function seedAttributeDefinitions(world: FakeWorld, rng: Random): AttributeIds {
  let order = 0;
  const option = (value: string, nested: FakeSelectOption[] = []): FakeSelectOption => ({
    id: rng.uuid(),
    label: value.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()),
    value,
    nestedOptions: nested,
    isDeactivated: false,
    orderIndex: ++order,
  });
  const reasonTree = new Map<string, Set<string>>();
  for (const script of scripts) {
    const [parent, child] = script.reason;
    if (!parent) continue;
    const children = reasonTree.get(parent) ?? new Set<string>();
    if (child) children.add(child);
    reasonTree.set(parent, children);
  }
  const created = (day: number): string => zoned(Date.parse('2023-01-01T08:23:54.246Z') + day * 24 * 3600 * 1000);
  const define = (d: Omit<FakeCustomAttributeDefinition, 'id' | 'isArchived' | 'isDeactivated'>): FakeCustomAttributeDefinition => {
    const full: FakeCustomAttributeDefinition = { id: rng.uuid(), ...d, isArchived: false, isDeactivated: false };
    world.customAttributeDefinitions.set(full.id, full);
    return full;
  };
  const orderNumber = define({
    entityType: 'Conversation', identifier: ATTRIBUTE_ORDER_NUMBER, label: 'Order number',
    inputDefinition: { _type: 'Text', placeholder: '123456' }, description: 'Webshop order number', createdAt: created(0), isRequired: false,
  });
  const contactReason = define({
    entityType: 'Conversation', identifier: ATTRIBUTE_CONTACT_REASON, label: 'Contact reason',
    inputDefinition: { _type: 'Select', options: [...reasonTree].map(([parent, children]) => option(parent, [...children].map((c) => option(c)))) },
    description: 'Why the customer got in touch', createdAt: created(4), updatedAt: created(10), isRequired: true,
  });
  const customerTier = define({
    entityType: 'Contact', identifier: ATTRIBUTE_CUSTOMER_TIER, label: 'Customer tier',
    inputDefinition: { _type: 'Select', options: [option('bronze'), option('silver'), option('gold')] }, createdAt: created(20), isRequired: false,
  });
  const loyaltyId = define({
    entityType: 'Contact', identifier: ATTRIBUTE_LOYALTY_ID, label: 'Loyalty member id',
    inputDefinition: { _type: 'Text' }, createdAt: created(21), isRequired: false,
  });
  return { orderNumber, contactReason, customerTier, loyaltyId };
}

function attributeValue(def: FakeCustomAttributeDefinition, value: string | string[]): DixaCustomAttribute {
  return { id: def.id, name: def.label, identifier: def.identifier, value };
}

function seedEndUsers(world: FakeWorld, rng: Random, count: number, attrs: AttributeIds): void {
  for (let i = 0; i < count; i++) {
    const first = firstNames[i % firstNames.length] as string;
    const last = lastNames[(i * 7 + Math.floor(i / firstNames.length)) % lastNames.length] as string;
    const round = Math.floor(i / firstNames.length);
    const id = rng.uuid();
    const user: DixaEndUser = {
      id,
      createdAt: isoSeconds(Date.parse('2023-02-01T10:00:00Z') + rng.int(0, 360) * 24 * 3600 * 1000 + rng.int(0, 86_399) * 1000),
      displayName: `${first} ${last}`,
      additionalEmails: [],
      additionalPhoneNumbers: [],
      firstName: first,
      lastName: last,
      middleNames: [],
    };
    // A few phone-only and email-only contacts, as in any real contact list.
    if (i % 9 !== 4) user.email = `${ascii(first)}.${ascii(last)}${round > 0 ? round : ''}@${rng.pick(emailDomains)}`;
    if (i % 5 !== 3) user.phoneNumber = `${rng.pick(phonePrefixes)}${String(rng.int(100000, 999999))}`;
    if (i % 3 === 0) user.externalId = `CRM-${10000 + i * 37}`;
    if (i % 7 === 1 && user.email) user.additionalEmails = [`${ascii(first)}@work-${ascii(last)}.com`];
    if (i % 8 === 2 && user.phoneNumber) user.additionalPhoneNumbers = [`+4522${String(rng.int(100000, 999999))}`];
    if (i % 4 === 0) user.avatarUrl = `https://files.dixa.io/public/avatars/${id}`;
    user.customAttributes =
      i % 4 === 0
        ? [attributeValue(attrs.customerTier, [rng.pick(['bronze', 'silver', 'gold'])]), attributeValue(attrs.loyaltyId, `LOY-${rng.int(100000, 999999)}`)]
        : [];
    world.endUsers.set(id, user);
  }
}

interface Turn {
  from: 'customer' | 'agent' | 'bot';
  text: string;
}

interface ConversationContext {
  rng: Random;
  world: FakeWorld;
  orgId: string;
  conversation: DixaConversation;
  requester: DixaEndUser;
  agentId: string;
  plan: Plan;
  integration: string;
  clock: number;
  externalIds: number;
}

function seedConversations(world: FakeWorld, rng: Random, count: number, attrs: AttributeIds, orgId: string): void {
  const users = [...world.endUsers.values()];
  const agentIds = [...world.agents.keys()];
  const queueIds = [...world.queues.keys()];
  if (users.length === 0 || agentIds.length === 0) return;
  const withEmail = users.filter((u) => u.email);
  const withPhone = users.filter((u) => u.phoneNumber);
  const activeTagIds = [...world.tags.values()].filter((t) => t.state === 'Active').map((t) => t.id);
  const inactiveTagIds = [...world.tags.values()].filter((t) => t.state === 'Inactive').map((t) => t.id);
  const tagIdByName = new Map([...world.tags.values()].map((t) => [t.name, t.id]));
  const spacing = SEED_SPAN_MS / Math.max(count, 1);
  let id = FIRST_CONVERSATION_ID;
  let plainNoteWritten = false;

  for (let i = 0; i < count; i++) {
    const forced = showcase[i] ?? {};
    const state = forced.state ?? weighted(rng, stateWeights);
    const channel = forced.channel ?? weighted(rng, channelWeights);
    const outboundCapable = channel === 'Email' || channel === 'Sms';
    const direction = forced.direction ?? (outboundCapable && rng.chance(0.15) ? 'Outbound' : 'Inbound');
    const plan: Plan = {
      channel,
      state,
      direction,
      rich: forced.rich ?? false,
      unassigned: forced.unassigned ?? (direction === 'Inbound' && state === 'Open' && rng.chance(0.3)),
      noQueue: forced.noQueue ?? rng.chance(0.08),
    };
    const emailLike = channel === 'Email' || channel === 'ContactForm';
    const phoneLike = ['Sms', 'WhatsApp', 'PstnPhone', 'Voicemail'].includes(channel);
    const pool = emailLike ? withEmail : phoneLike ? withPhone : users;
    const requester = rng.pick(pool.length > 0 ? pool : users);
    const agentId = rng.pick(agentIds);
    const createdAt = SEED_START + Math.floor(i * spacing) + rng.int(0, Math.floor(spacing / 2));
    const script = rng.pick(scripts);
    const order = String(rng.int(100000, 999999));
    const agent = world.agents.get(agentId);
    const fill = (text: string): string =>
      text.replace(/\{order\}/g, order).replace(/\{first\}/g, requester.firstName ?? 'there').replace(/\{agent\}/g, agent?.firstName ?? 'Support');

    const conversation = baseConversation(id, plan, requester, createdAt, fill(script.subject), rng);
    const integration = channel === 'Email' && rng.chance(0.2) ? RETURNS_EMAIL : SUPPORT_EMAIL;
    if (emailLike) {
      conversation.fromEmail = requester.email ?? null;
      conversation.toEmail = integration;
      conversation.integrationEmail = integration;
    }
    const ctx: ConversationContext = { rng, world, orgId, conversation, requester, agentId, plan, integration, clock: createdAt, externalIds: 0 };
    const messages = buildMessages(ctx, turnsFor(script, plan, rng).map((t) => ({ ...t, text: fill(t.text) })));
    const lastAt = ctx.clock;

    if (!plan.noQueue && queueIds.length > 0) {
      conversation.queue = { id: rng.pick(queueIds), queuedAt: isoSeconds(createdAt + 20_000) };
    }
    if (!plan.unassigned) {
      conversation.assignment = { agentId, assignedAt: isoSeconds(createdAt + rng.int(1, 30) * MINUTE) };
    }
    conversation.stateUpdatedAt = isoSeconds(state === 'Open' ? createdAt : lastAt + rng.int(5, 240) * MINUTE);
    conversation.customAttributes = conversationAttributes(rng, attrs, script, order);

    world.conversations.set(id, conversation);
    world.messages.set(id, messages);
    world.conversationTags.set(id, pickTags(rng, script, tagIdByName, activeTagIds, inactiveTagIds, i));

    if (!plan.unassigned && (rng.chance(0.3) || i === 0)) {
      const notes: DixaNote[] = [];
      const noteCount = rng.int(1, 2);
      const times = Array.from({ length: noteCount }, () => createdAt + rng.int(10, 600) * MINUTE).sort((a, b) => a - b);
      for (let n = 0; n < noteCount; n++) {
        const at = times[n] as number;
        // Dixa returns both spellings in note lists; keep at least one plain ISO one.
        const createdAtText = plainNoteWritten ? zoned(at + rng.int(0, 999)) : isoSeconds(at);
        plainNoteWritten = true;
        notes.push({ id: rng.uuid(), authorId: n === 0 ? agentId : rng.pick(agentIds), createdAt: createdAtText, csid: id, message: rng.pick(noteLines) });
      }
      world.notes.set(id, notes);
    }
    id += rng.chance(0.2) ? rng.int(2, 4) : 1;
  }
  world.nextConversationId = id;
}

function baseConversation(id: number, plan: Plan, requester: DixaEndUser, createdAt: number, subject: string, rng: Random): DixaConversation {
  const c: DixaConversation & Record<string, unknown> = {
    _type: conversationTypeFor(plan.channel),
    id,
    requesterId: requester.id,
    channel: plan.channel,
    createdAt: isoSeconds(createdAt),
    direction: plan.direction,
    state: plan.state,
  };
  switch (plan.channel) {
    case 'Email':
    case 'ContactForm':
      c.subject = subject;
      c.language = 'en';
      break;
    case 'WidgetChat':
    case 'Messenger': {
      const browser = rng.pick(browsers);
      c.browserInfo = {
        name: browser.name,
        version: browser.version,
        ipAddress: `203.0.113.${rng.int(1, 254)}`,
        originatingUrl: rng.pick(['https://www.acme-outdoor.com/orders', 'https://www.acme-outdoor.com/help', 'https://www.acme-outdoor.com/tents']),
      };
      c.language = rng.pick(['en', 'en', 'da', 'de']);
      break;
    }
    case 'Sms':
      c.fromNumber = plan.direction === 'Outbound' ? SMS_NUMBER : (requester.phoneNumber ?? null);
      c.toNumber = plan.direction === 'Outbound' ? (requester.phoneNumber ?? null) : SMS_NUMBER;
      break;
    case 'Twitter':
      c.conversationType = 'DirectMessage';
      c.contactPointTwitterId = '1442200000000000001';
      c.endUserTwitterId = String(1500000000000000000 + rng.int(0, 999999));
      break;
    default:
      if (c._type === 'GenericConversation') {
        c.fromContactPointId = `trustpilot-review-${rng.int(10000, 99999)}`;
        c.toContactPointId = 'acme-outdoor.trustpilot';
      }
  }
  return c;
}

const outboundOpeners = [
  'Hi {first}, this is {agent} from Acme Outdoor. Your order #{order} is delayed by a few days because of high demand. Sorry about that!',
  'Hi {first}, {agent} from Acme Outdoor here. We are missing a house number for order #{order}. Could you reply with your full address?',
];

const fillers: readonly Turn[] = [
  { from: 'customer', text: 'Any update on this? I have not heard back.' },
  { from: 'agent', text: 'Hi {first}, I am still waiting for an answer from the warehouse. I will update you as soon as I hear back.' },
  { from: 'customer', text: 'Ok, thanks for following up.' },
];

function turnsFor(script: Script, plan: Plan, rng: Random): Turn[] {
  let turns: Turn[] = script.lines.map((text, n) => ({ from: n % 2 === 0 ? 'customer' : 'agent', text }));
  if (plan.direction === 'Outbound') {
    turns = [
      { from: 'agent', text: rng.pick(outboundOpeners) },
      { from: 'customer', text: 'Thanks for letting me know. Can you ship it to my work address instead?' },
      { from: 'agent', text: 'Done, {first}: the delivery address for order #{order} is updated.' },
    ];
  }
  // Rich email threads add an auto-reply and a TooLarge message, so they keep to 4 turns.
  const wanted = plan.unassigned ? 1 : plan.rich ? (plan.channel === 'Email' ? 3 + rng.int(0, 1) : rng.int(3, 5)) : rng.int(1, 6);
  for (let f = 0; turns.length < wanted; f++) turns.push(fillers[f % fillers.length] as Turn);
  turns = turns.slice(0, wanted);
  const chatLike = plan.channel === 'WidgetChat' || plan.channel === 'Messenger';
  if (chatLike && plan.direction === 'Inbound' && (plan.rich || rng.chance(0.4)) && turns.length < 6) {
    turns.splice(1, 0, { from: 'bot', text: rng.pick(botGreetings) });
  }
  return turns;
}

function fileUrl(ctx: ConversationContext, kind: string, name: string): DixaFile {
  return { url: `https://files.dixa.io/private/${ctx.orgId}/${kind}/${ctx.rng.uuid()}`, prettyName: name };
}

function buildMessages(ctx: ConversationContext, turns: Turn[]): DixaMessage[] {
  const { channel } = ctx.plan;
  if (channel === 'PstnPhone' || channel === 'Voicemail') return callMessages(ctx);
  const out: DixaMessage[] = [];
  const chatLike = channel === 'WidgetChat' || channel === 'Messenger';
  const gap = (): number => (chatLike || channel === 'Sms' || channel === 'WhatsApp' || channel === 'FacebookMessenger' ? ctx.rng.int(1, 6) : ctx.rng.int(20, 600)) * MINUTE;
  let firstCustomer = true;
  let firstAgent = true;
  turns.forEach((turn, n) => {
    if (n > 0) ctx.clock += gap();
    const direction: DixaDirection = turn.from === 'customer' ? 'Inbound' : 'Outbound';
    const authorId = turn.from === 'customer' ? ctx.requester.id : turn.from === 'bot' ? (ctx.world.apiUserId ?? ctx.agentId) : ctx.agentId;
    const attributes = attributesFor(ctx, turn, direction, { firstCustomer, firstAgent });
    const message: DixaMessage = { id: ctx.rng.uuid(), authorId, createdAt: zoned(ctx.clock + ctx.rng.int(0, 999)), attributes };
    if (turn.from === 'agent' && (ctx.plan.rich && firstAgent ? true : ctx.rng.chance(0.12))) {
      message.externalId = `gw-${ctx.conversation.id}-${++ctx.externalIds}`;
    }
    out.push(message);
    // The first inbound email of a rich thread gets Dixa's auto-reply right after it.
    if (channel === 'Email' && ctx.plan.rich && turn.from === 'customer' && firstCustomer) {
      ctx.clock += 1000;
      out.push({
        id: ctx.rng.uuid(),
        authorId: ctx.world.apiUserId ?? ctx.agentId,
        createdAt: zoned(ctx.clock + 17),
        attributes: {
          ...emailEnvelope(ctx, 'Outbound'),
          _type: 'EmailAttributes',
          emailContent: { _type: 'Regular', content: { _type: 'Text', value: autoReplyText } },
          isAutoReply: true,
        },
      });
    }
    if (turn.from === 'customer') firstCustomer = false;
    if (turn.from === 'agent') firstAgent = false;
  });
  // A rich email thread ends with a body too large to inline.
  if (channel === 'Email' && ctx.plan.rich) {
    ctx.clock += 45 * MINUTE;
    out.push({
      id: ctx.rng.uuid(),
      authorId: ctx.requester.id,
      createdAt: zoned(ctx.clock + 581),
      attributes: {
        ...emailEnvelope(ctx, 'Inbound'),
        _type: 'EmailAttributes',
        emailContent: { _type: 'TooLarge', file: fileUrl(ctx, 'email_stripped_content', 'Large Email Content') },
        attachments: [fileUrl(ctx, 'attachment', 'receipt-scan.pdf')],
      },
    });
  }
  return out;
}

function emailEnvelope(ctx: ConversationContext, direction: DixaDirection) {
  const customer = { email: ctx.requester.email ?? 'unknown@example.invalid', name: ctx.requester.displayName ?? null };
  const support = { email: ctx.integration, name: 'Acme Outdoor Support' };
  return {
    from: direction === 'Inbound' ? customer : support,
    to: [direction === 'Inbound' ? support : customer],
    cc: [] as { email: string; name?: string | null }[],
    bcc: [] as { email: string; name?: string | null }[],
    isAutoReply: false,
    inlineImages: [] as DixaFile[],
    attachments: [] as DixaFile[],
    direction,
  };
}

function attributesFor(
  ctx: ConversationContext,
  turn: Turn,
  direction: DixaDirection,
  first: { firstCustomer: boolean; firstAgent: boolean },
): DixaMessageAttributes {
  const { rng, plan } = ctx;
  const text = { _type: 'Text' as const, value: turn.text };
  const html = { _type: 'Html' as const, value: `<p>${escapeHtml(turn.text)}</p>` };
  switch (plan.channel) {
    case 'Email':
    case 'ContactForm': {
      const envelope = emailEnvelope(ctx, direction);
      if (plan.channel === 'ContactForm' && turn.from === 'customer' && first.firstCustomer) {
        return {
          ...envelope,
          _type: 'ContactFormAttributes',
          emailContent: { _type: 'Regular', content: text },
          replyDefaultToEmails: ctx.requester.email ? [ctx.requester.email] : [],
        };
      }
      const attrs: DixaEmailAttributes = { ...envelope, _type: 'EmailAttributes', emailContent: { _type: 'Regular' as const, content: direction === 'Inbound' ? text : html } };
      if (direction === 'Inbound') {
        attrs.originalContentUrl = { url: `https://files.dixa.io/private/${ctx.orgId}/email_original_data/${rng.uuid()}` };
        if ((plan.rich && first.firstCustomer) || rng.chance(0.15)) attrs.attachments = [fileUrl(ctx, 'attachment', rng.pick(['photo.jpg', 'order-confirmation.pdf', 'IMG_2041.HEIC']))];
      } else if ((plan.rich && first.firstAgent) || rng.chance(0.1)) {
        attrs.cc = [{ email: 'team-lead@acme-outdoor.com', name: 'Team Lead' }];
        attrs.bcc = [{ email: 'archive@acme-outdoor.com' }];
        attrs.attachments = [fileUrl(ctx, 'attachment', 'return-label.pdf')];
      }
      return attrs;
    }
    case 'WidgetChat':
    case 'Messenger':
      if (plan.channel === 'Messenger' && turn.from === 'customer' && first.firstCustomer && plan.rich) {
        return {
          _type: 'MessengerFormAttributes',
          formSubmission: { values: { Name: ctx.requester.displayName ?? '', Email: ctx.requester.email ?? '', Topic: ['Orders', 'Delivery'], Question: turn.text } },
          content: { _type: 'Html', value: `<p><b>Name:</b> ${escapeHtml(ctx.requester.displayName ?? '')}</p><p>${escapeHtml(turn.text)}</p>` },
          direction: 'Inbound',
        };
      }
      return { _type: 'ChatAttributes', content: text, direction, attachments: [], isAutomated: turn.from === 'bot' };
    case 'Sms':
      return { _type: 'SmsAttributes', content: text, direction, attachments: [] };
    case 'WhatsApp':
      return { _type: 'WhatsAppAttributes', content: direction === 'Outbound' ? { _type: 'Markdown', value: turn.text.replace(/Acme Outdoor/g, '*Acme Outdoor*') } : text, direction, attachments: [] };
    case 'FacebookMessenger':
      return { _type: 'FacebookMessengerAttributes', content: text, direction, attachments: [] };
    case 'Twitter':
      return { _type: 'TwitterAttributes', content: text, direction, attachments: [] };
    default:
      return { _type: 'GenericAttributes', content: text, direction, attachments: [] };
  }
}

function callMessages(ctx: ConversationContext): DixaMessage[] {
  const { rng, requester, agentId, plan } = ctx;
  const duration = rng.int(45, 900);
  const customerNumber = requester.phoneNumber ?? '+4520000000';
  const at = (): string => zoned((ctx.clock += rng.int(1, 20) * 1000) + rng.int(0, 999));
  const out: DixaMessage[] = [
    { id: rng.uuid(), authorId: requester.id, createdAt: at(), attributes: { _type: 'PhoneAttributes', from: customerNumber, to: VOICE_NUMBER, direction: 'Inbound', duration } },
  ];
  ctx.clock += duration * 1000;
  out.push({
    id: rng.uuid(),
    authorId: plan.channel === 'Voicemail' ? requester.id : agentId,
    createdAt: at(),
    attributes: { _type: 'CallRecordingAttributes', recording: `https://files.dixa.io/private/${ctx.orgId}/call_recording/${rng.uuid()}.mp3`, duration },
  });
  if (plan.rich) {
    out.push(
      {
        id: rng.uuid(), authorId: requester.id, createdAt: at(),
        attributes: { _type: 'TranscriptAttributes', content: { _type: 'Text', value: 'Hi, I am calling about a refund for my returned boots.' }, utterance_start_ms: 1200, utterance_end_ms: 5400, direction: 'Inbound' },
      },
      {
        id: rng.uuid(), authorId: agentId, createdAt: at(),
        attributes: { _type: 'TranscriptAttributes', content: { _type: 'Text', value: 'Of course, let me look up your order. The refund was issued this morning.' }, utterance_start_ms: 6100, utterance_end_ms: 11800, direction: 'Outbound' },
      },
    );
  }
  return out;
}

function conversationAttributes(rng: Random, attrs: AttributeIds, script: Script, order: string): DixaCustomAttribute[] {
  const out: DixaCustomAttribute[] = [];
  if (script.hasOrder && rng.chance(0.6)) out.push(attributeValue(attrs.orderNumber, order));
  if (rng.chance(0.4)) out.push(attributeValue(attrs.contactReason, script.reason));
  return out;
}

function pickTags(
  rng: Random,
  script: Script,
  byName: Map<string, string>,
  active: string[],
  inactive: string[],
  index: number,
): string[] {
  if (index !== 2 && rng.chance(0.25)) return [];
  const ids = new Set<string>();
  for (const name of script.tags) {
    const id = byName.get(name);
    if (id && active.includes(id) && rng.chance(0.75)) ids.add(id);
  }
  if (active.length > 0 && rng.chance(0.15)) ids.add(rng.pick(active));
  // Tags deactivated after use stay on old conversations.
  const legacy = inactive[0];
  if (legacy && (index === 2 || rng.chance(0.06))) ids.add(legacy);
  return [...ids];
}

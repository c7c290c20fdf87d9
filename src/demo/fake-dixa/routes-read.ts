// Read-only Dixa routes: organization, conversations (+ messages, notes, tags), end users,
// agents, queues, tags, custom-attribute definitions, contact endpoints and search.

import type { DixaConversation, DixaEndUser } from './wire.js';
import { conversationIdParam, uuidParam } from './input.js';
import { paginate } from './pagination.js';
import { badRequest, notFound, ok, type Reply } from './reply.js';
import type { Route, RouteContext } from './router.js';
import { searchConversations } from './search.js';
import type { FakeWorld } from './world.js';

/** The conversation named by `:id`, or 400 (not an int64) / 404. */
export function conversationOf(ctx: RouteContext): DixaConversation {
  const id = conversationIdParam(ctx.params.id);
  const conversation = ctx.world.conversations.get(id);
  if (!conversation) throw notFound();
  return conversation;
}

/** List endpoints leave custom attributes out. */
function withoutCustomAttributes<T extends { customAttributes?: unknown }>(item: T): Omit<T, 'customAttributes'> {
  const { customAttributes: _omitted, ...rest } = item;
  return rest;
}

/** Exactly zero or one of `names` may be given (Dixa: "only one filter at a time"). */
function singleFilter(ctx: RouteContext, names: readonly string[]): [string, string] | undefined {
  const given = names.filter((n) => ctx.query[n] !== undefined);
  if (given.length > 1) throw badRequest(`Only one of ${names.join(', ')} can be given`);
  const name = given[0];
  return name === undefined ? undefined : [name, ctx.query[name] as string];
}

const normalizePhone = (p: string): string => p.replace(/[^\d+]/g, '');

function endUserMatches(user: DixaEndUser, filter: [string, string] | undefined): boolean {
  if (!filter) return true;
  const [name, value] = filter;
  if (name === 'email') {
    const wanted = value.toLowerCase();
    return [user.email, ...(user.additionalEmails ?? [])].some((e) => e?.toLowerCase() === wanted);
  }
  if (name === 'phone') {
    const wanted = normalizePhone(value);
    return [user.phoneNumber, ...(user.additionalPhoneNumbers ?? [])].some((p) => p && normalizePhone(p) === wanted);
  }
  return user.externalId === value;
}

function newestFirst(a: DixaConversation, b: DixaConversation): number {
  return Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id;
}

function tagsOf(world: FakeWorld, conversationId: number) {
  return (world.conversationTags.get(conversationId) ?? []).flatMap((id) => {
    const tag = world.tags.get(id);
    return tag ? [tag] : [];
  });
}

export const readRoutes: readonly Route[] = [
  { method: 'GET', pattern: '/organization', handler: (ctx) => ok(ctx.world.organization) },

  { method: 'GET', pattern: '/conversations/:id', handler: (ctx) => ok(conversationOf(ctx)) },
  { method: 'GET', pattern: '/conversations/:id/messages', handler: (ctx) => ok(ctx.world.messages.get(conversationOf(ctx).id) ?? []) },
  { method: 'GET', pattern: '/conversations/:id/notes', handler: (ctx) => ok(ctx.world.notes.get(conversationOf(ctx).id) ?? []) },
  { method: 'GET', pattern: '/conversations/:id/tags', handler: (ctx) => ok(tagsOf(ctx.world, conversationOf(ctx).id)) },

  {
    method: 'GET',
    pattern: '/endusers',
    handler: (ctx): Reply => {
      const filter = singleFilter(ctx, ['email', 'phone', 'externalId']);
      const users = [...ctx.world.endUsers.values()].filter((u) => endUserMatches(u, filter)).map(withoutCustomAttributes);
      return paginate(ctx, users, { keep: ['email', 'phone', 'externalId'] });
    },
  },
  {
    method: 'GET',
    pattern: '/endusers/:id',
    handler: (ctx) => {
      const user = ctx.world.endUsers.get(uuidParam(ctx.params.id, 'userId'));
      if (!user) throw notFound();
      return ok({ ...user, customAttributes: user.customAttributes ?? [] });
    },
  },
  {
    method: 'GET',
    pattern: '/endusers/:id/conversations',
    handler: (ctx) => {
      const userId = uuidParam(ctx.params.id, 'userId');
      if (!ctx.world.endUsers.has(userId)) throw notFound();
      const conversations = [...ctx.world.conversations.values()].filter((c) => c.requesterId === userId).sort(newestFirst);
      return paginate(ctx, conversations.map(withoutCustomAttributes));
    },
  },

  {
    method: 'GET',
    pattern: '/agents',
    handler: (ctx) => {
      const filter = singleFilter(ctx, ['email', 'phone']);
      const agents = [...ctx.world.agents.values()].filter((a) => {
        if (!filter) return true;
        const [name, value] = filter;
        if (name === 'email') return [a.email, ...(a.additionalEmails ?? [])].some((e) => e.toLowerCase() === value.toLowerCase());
        return [a.phoneNumber, ...(a.additionalPhoneNumbers ?? [])].some((p) => p && normalizePhone(p) === normalizePhone(value));
      });
      return paginate(ctx, agents, { keep: ['email', 'phone'] });
    },
  },
  {
    method: 'GET',
    pattern: '/agents/:id',
    handler: (ctx) => {
      const agent = ctx.world.agents.get(uuidParam(ctx.params.id, 'agentId'));
      if (!agent) throw notFound();
      return ok(agent);
    },
  },

  { method: 'GET', pattern: '/queues', handler: (ctx) => ok([...ctx.world.queues.values()]) },
  {
    method: 'GET',
    pattern: '/queues/:id',
    handler: (ctx) => {
      const queue = ctx.world.queues.get(uuidParam(ctx.params.id, 'queueId'));
      if (!queue) throw notFound();
      return ok(queue);
    },
  },

  {
    method: 'GET',
    pattern: '/tags',
    handler: (ctx) => {
      const flag = ctx.query.includeDeactivated;
      if (flag !== undefined && flag !== 'true' && flag !== 'false') throw badRequest('Invalid value for: query parameter includeDeactivated');
      const all = [...ctx.world.tags.values()];
      return ok(flag === 'true' ? all : all.filter((t) => t.state !== 'Inactive'));
    },
  },
  {
    method: 'GET',
    pattern: '/tags/:id',
    handler: (ctx) => {
      const tag = ctx.world.tags.get(uuidParam(ctx.params.id, 'tagId'));
      if (!tag) throw notFound();
      return ok(tag);
    },
  },

  { method: 'GET', pattern: '/custom-attributes', handler: (ctx) => ok([...ctx.world.customAttributeDefinitions.values()]) },
  {
    method: 'GET',
    pattern: '/custom-attributes/:id',
    handler: (ctx) => {
      const definition = ctx.world.customAttributeDefinitions.get(uuidParam(ctx.params.id, 'customAttributeId'));
      if (!definition) throw notFound();
      return ok(definition);
    },
  },

  {
    method: 'GET',
    pattern: '/contact-endpoints',
    handler: (ctx) => {
      const type = ctx.query._type;
      return ok(type ? ctx.world.contactEndpoints.filter((e) => e._type === type) : ctx.world.contactEndpoints);
    },
  },

  {
    method: 'POST',
    pattern: '/search/conversations',
    handler: (ctx) => {
      // Validate the body before paging so a bad filter is a 400 on every page.
      const hits = searchConversations(ctx.world, ctx.body);
      return paginate(ctx, hits, { maxLimit: 50 });
    },
  },
];

// The fake's webhooks API (POST|GET /webhooks, GET|PATCH|DELETE /webhooks/{id},
// GET /webhooks/{id}/delivery-status and .../logs/{event}) and its org activity log
// (GET /conversations/activitylog), in the spec's shapes. Subscriptions and their recorded
// deliveries live beside the world (a WeakMap keyed by it); webhook-dispatch.ts delivers.
import { randomBytes, randomUUID } from 'node:crypto';
import { activitiesOf, activityBody } from './activity-log.js';
import { isUuid, objectBody, type JsonObject } from './input.js';
import { paginate } from './pagination.js';
import { badRequest, created, decodingFailure, noContent, notFound, ok, type Reply } from './reply.js';
import type { Route, RouteContext } from './router.js';
import { isoSeconds, parseDixaTime } from './time.js';
import type { FakeWorld } from './world.js';

/** Dixa's subscription event names (the spec's allowed values). */
export const WEBHOOK_EVENT_NAMES: readonly string[] = [
  'SLAEvaluationVoided', 'ConversationPending', 'SLAEvaluationBreached', 'ConversationMessageAdded',
  'ConversationCustomAttributeUpdated', 'SLAEvaluationAchieved', 'ConversationAssigned',
  'ConversationMessageDeliveryDelivered', 'ConversationMessageDeliveryInfo', 'ConversationTransferred',
  'ConversationEnqueued', 'AgentUnbannedEnduser', 'TypingStarted', 'ConversationCreated',
  'ConversationUnassigned', 'ConversationOpen', 'ConversationAbandoned', 'ConversationClosed',
  'ConversationMessageDeliveryFailed', 'ConversationTagAdded', 'ConversationNoteAdded',
  'AgentBannedEnduser', 'ConversationEndUserReplaced', 'ConversationMessageDeliverySeen',
  'AgentUnbannedIp', 'ConversationMessageDeliverySent', 'AgentBannedIp', 'ConversationTagRemoved',
  'ConversationRated', 'SLAEvaluationPending', 'ConversationMessageDeliverySpamComplaint',
  'ConversationPendingExpired',
];

export interface FakeFilterCondition {
  _type: 'IsOneOf' | 'IsNotOneOf';
  field: string;
  values: string[];
}

export interface FakeFilters {
  _type: 'CombinedFilters';
  strategy: 'All' | 'Any';
  conditions: FakeFilterCondition[];
}

/** WebhookSubscription (spec). */
export interface FakeSubscription {
  id: string;
  name: string;
  subscribedEvents: string[];
  url: string;
  headers: Record<string, string>;
  secretKey: string;
  enabled: boolean;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  filters?: Record<string, FakeFilters>;
}

/** One delivery attempt as Dixa records it (DeliveryDetail + the raw payload). */
export interface FakeDelivery {
  subscriptionId: string;
  event: string;
  payload: string;
  deliveryTimestamp: string;
  success: boolean;
  responseCode: number;
  responseText: string;
}

export interface FakeWebhookState {
  subscriptions: Map<string, FakeSubscription>;
  /** Oldest first. */
  deliveries: FakeDelivery[];
}

const states = new WeakMap<FakeWorld, FakeWebhookState>();

export function webhookStateOf(world: FakeWorld): FakeWebhookState {
  let state = states.get(world);
  if (!state) {
    state = { subscriptions: new Map(), deliveries: [] };
    states.set(world, state);
  }
  return state;
}

// ------------------------------------------------------------ input

function authorizationHeaders(value: unknown): Record<string, string> {
  const auth = objectBody(value);
  switch (auth._type) {
    case 'NoAuth':
      return {};
    case 'TokenAuth':
      if (typeof auth.value !== 'string') throw decodingFailure();
      return { Authorization: `Bearer ${auth.value}` };
    case 'BasicAuth':
      if (typeof auth.username !== 'string' || typeof auth.password !== 'string') throw decodingFailure();
      return { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
    default:
      throw decodingFailure();
  }
}

function stringMap(value: unknown): Record<string, string> {
  const map = objectBody(value);
  for (const v of Object.values(map)) if (typeof v !== 'string') throw decodingFailure();
  return map as Record<string, string>;
}

function eventList(value: unknown): string[] {
  if (!Array.isArray(value) || value.some((e) => typeof e !== 'string')) throw decodingFailure();
  const unknown = value.filter((e) => !WEBHOOK_EVENT_NAMES.includes(e as string));
  if (unknown.length > 0) throw badRequest(`Invalid value for: body (unknown events ${unknown.join(', ')})`);
  return [...new Set(value as string[])];
}

function filterMap(value: unknown): Record<string, FakeFilters> {
  const map = objectBody(value);
  const out: Record<string, FakeFilters> = {};
  for (const [key, raw] of Object.entries(map)) {
    const filter = objectBody(raw);
    if (filter._type !== 'CombinedFilters' || (filter.strategy !== 'All' && filter.strategy !== 'Any')) throw decodingFailure();
    if (!Array.isArray(filter.conditions) || filter.conditions.length === 0) throw decodingFailure();
    const conditions = filter.conditions.map((c) => {
      const condition = objectBody(c);
      if ((condition._type !== 'IsOneOf' && condition._type !== 'IsNotOneOf') || typeof condition.field !== 'string') throw decodingFailure();
      if (!Array.isArray(condition.values) || condition.values.some((v) => typeof v !== 'string')) throw decodingFailure();
      return { _type: condition._type, field: condition.field, values: condition.values as string[] } as FakeFilterCondition;
    });
    out[key] = { _type: 'CombinedFilters', strategy: filter.strategy, conditions };
  }
  return out;
}

function nonEmpty(body: JsonObject, key: string): string {
  const value = body[key];
  if (typeof value !== 'string') throw decodingFailure();
  if (value.trim() === '') throw badRequest(`Validation failure during Webhook Subscription creation: ${key} is empty`);
  return value;
}

// ------------------------------------------------------------ routes

function subscriptionOf(ctx: RouteContext): FakeSubscription {
  const id = ctx.params.id;
  if (!isUuid(id)) throw badRequest('Invalid value for: path parameter webhookSubscriptionId');
  const subscription = webhookStateOf(ctx.world).subscriptions.get(id.toLowerCase());
  if (!subscription) throw notFound();
  return subscription;
}

function createSubscription(ctx: RouteContext): Reply {
  const body = objectBody(ctx.body);
  const name = nonEmpty(body, 'name');
  const url = nonEmpty(body, 'url');
  if (body.authorization === undefined || body.customHeaders === undefined) throw decodingFailure();
  const headers = { ...stringMap(body.customHeaders), ...authorizationHeaders(body.authorization) };
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean') throw decodingFailure();
  const now = isoSeconds(Date.now());
  const user = ctx.world.apiUserId ?? randomUUID();
  const subscription: FakeSubscription = {
    id: randomUUID(),
    name,
    subscribedEvents: body.events === undefined ? [] : eventList(body.events),
    url,
    headers,
    secretKey: randomBytes(32).toString('hex'),
    enabled: body.enabled === undefined ? true : (body.enabled as boolean),
    createdAt: now,
    createdBy: user,
    updatedAt: now,
    updatedBy: user,
    ...(body.filters !== undefined && body.filters !== null ? { filters: filterMap(body.filters) } : {}),
  };
  webhookStateOf(ctx.world).subscriptions.set(subscription.id, subscription);
  return created(subscription);
}

function patchSubscription(ctx: RouteContext): Reply {
  const subscription = subscriptionOf(ctx);
  const body = objectBody(ctx.body);
  const next: FakeSubscription = { ...subscription };
  if (body.name !== undefined) next.name = nonEmpty(body, 'name');
  if (body.url !== undefined) next.url = nonEmpty(body, 'url');
  if (body.events !== undefined) next.subscribedEvents = eventList(body.events);
  if (body.enabled !== undefined) {
    if (typeof body.enabled !== 'boolean') throw decodingFailure();
    next.enabled = body.enabled;
  }
  if (body.customHeaders !== undefined || body.authorization !== undefined) {
    const custom = body.customHeaders !== undefined ? stringMap(body.customHeaders) : {};
    const auth = body.authorization !== undefined ? authorizationHeaders(body.authorization) : {};
    next.headers = { ...custom, ...auth };
  }
  if (body.filters !== undefined) {
    // An empty map (or null) removes the filters.
    const filters = body.filters === null ? {} : filterMap(body.filters);
    if (Object.keys(filters).length === 0) delete next.filters;
    else next.filters = filters;
  }
  next.updatedAt = isoSeconds(Date.now());
  next.updatedBy = ctx.world.apiUserId ?? next.updatedBy;
  webhookStateOf(ctx.world).subscriptions.set(next.id, next);
  return ok(next);
}

function deliveryStatus(ctx: RouteContext): Reply {
  const subscription = subscriptionOf(ctx);
  const deliveries = webhookStateOf(ctx.world).deliveries.filter((d) => d.subscriptionId === subscription.id);
  const data = subscription.subscribedEvents.map((event) => {
    const last = deliveries.filter((d) => d.event === event).at(-1);
    return {
      event,
      deliveryStatus: last
        ? { _type: 'DeliveryDetail', deliveryTimestamp: last.deliveryTimestamp, success: last.success, responseCode: last.responseCode, responseText: last.responseText }
        : { _type: 'NoRecentDelivery' },
    };
  });
  return ok(data);
}

function deliveryLogs(ctx: RouteContext): Reply {
  const subscription = subscriptionOf(ctx);
  const event = ctx.params.event;
  if (!event || !WEBHOOK_EVENT_NAMES.includes(event)) throw badRequest('Invalid value for: path parameter event');
  const data = webhookStateOf(ctx.world)
    .deliveries.filter((d) => d.subscriptionId === subscription.id && d.event === event)
    .slice(-50)
    .reverse()
    .map((d) => ({
      deliveryDetail: { deliveryTimestamp: d.deliveryTimestamp, success: d.success, responseCode: d.responseCode, responseText: d.responseText },
      payload: d.payload,
    }));
  return ok(data);
}

function timeQuery(ctx: RouteContext, name: string): number | undefined {
  const raw = ctx.query[name];
  if (raw === undefined) return undefined;
  const at = parseDixaTime(raw);
  if (Number.isNaN(at)) throw badRequest(`Invalid value for: query parameter ${name}`);
  return at;
}

function activityLog(ctx: RouteContext): Reply {
  const from = timeQuery(ctx, 'fromDatetime') ?? -Infinity;
  const to = timeQuery(ctx, 'toDatetime') ?? Infinity;
  const entries = activitiesOf(ctx.world)
    .filter((a) => a.at >= from && a.at <= to)
    .sort((a, b) => a.at - b.at)
    .map(activityBody);
  return paginate(ctx, entries, { keep: ['fromDatetime', 'toDatetime'] });
}

/** Listed before the read routes: `/conversations/activitylog` must not match `/conversations/:id`. */
export const syncRoutes: readonly Route[] = [
  { method: 'GET', pattern: '/conversations/activitylog', handler: activityLog },
  { method: 'GET', pattern: '/webhooks', handler: (ctx) => ok([...webhookStateOf(ctx.world).subscriptions.values()]) },
  { method: 'POST', pattern: '/webhooks', handler: createSubscription },
  { method: 'GET', pattern: '/webhooks/:id', handler: (ctx) => ok(subscriptionOf(ctx)) },
  { method: 'PATCH', pattern: '/webhooks/:id', handler: patchSubscription },
  {
    method: 'DELETE',
    pattern: '/webhooks/:id',
    handler: (ctx) => {
      webhookStateOf(ctx.world).subscriptions.delete(subscriptionOf(ctx).id);
      return noContent();
    },
  },
  { method: 'GET', pattern: '/webhooks/:id/delivery-status', handler: deliveryStatus },
  { method: 'GET', pattern: '/webhooks/:id/delivery-status/logs/:event', handler: deliveryLogs },
];

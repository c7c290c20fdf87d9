// The fake delivering webhooks the way Dixa does for the subscriptions it holds (created
// through POST /webhooks): each change goes to every enabled subscription of that tenant
// that subscribes to its event and whose filters let it through, signed with that
// subscription's secretKey, with its headers; every delivery is recorded for
// GET /webhooks/{id}/delivery-status. Tests can pause deliveries, make the fake give up at
// once, and redeliver recorded ones later (a late Dixa retry).
import type { DixaConversation } from './wire.js';
import type { FakeChange } from './changes.js';
import { isoMillis } from './time.js';
import { signDixaWebhook, webhookPayload } from './webhooks.js';
import { webhookStateOf, type FakeDelivery, type FakeFilterCondition, type FakeSubscription } from './webhook-subscriptions.js';
import type { FakeWorld } from './world.js';

export interface FakeWebhookDispatcher {
  /** Attempts per delivery when the receiver fails or is unreachable (default 3; 1 gives up at once). */
  attempts: number;
  /** When set, deliveries are not sent and are recorded as failed with this response code (Dixa cannot get through). */
  failWith: number | undefined;
  /** Holds deliveries back (they queue) until resume(). */
  pause(): void;
  resume(): void;
  /** Sends the recorded deliveries that match again, re-signed now (default: the failed ones); resolves to how many. */
  redeliver(match?: (delivery: FakeDelivery) => boolean): Promise<number>;
  /** Every delivery recorded so far, oldest first, across tenants. */
  readonly deliveries: FakeDelivery[];
  /** Resolves when every change seen so far has been delivered or given up on. */
  idle(): Promise<void>;
  stop(): void;
}

const lowerSnake = (pascal: string) => pascal.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

function fieldValue(conversation: DixaConversation, field: string): string | undefined {
  if (field === 'InitialChannel') return lowerSnake(conversation.channel);
  if (field === 'QueueId') return conversation.queue?.id ?? undefined;
  // The fake's writes all come through the API.
  if (field === 'OperationOrigin') return 'Api';
  return undefined;
}

function conditionHolds(conversation: DixaConversation, condition: FakeFilterCondition): boolean {
  const value = fieldValue(conversation, condition.field);
  const listed = value !== undefined && condition.values.some((v) => v.toLowerCase() === value.toLowerCase());
  return condition._type === 'IsOneOf' ? listed : !listed;
}

/** Whether the subscription's filters let a change of this conversation through. */
export function passesFilters(subscription: FakeSubscription, conversation: DixaConversation | undefined): boolean {
  if (!subscription.filters || !conversation) return true;
  return Object.values(subscription.filters).every((filter) =>
    filter.strategy === 'All' ? filter.conditions.every((c) => conditionHolds(conversation, c)) : filter.conditions.some((c) => conditionHolds(conversation, c)),
  );
}

interface Pending {
  world: FakeWorld;
  subscription: FakeSubscription;
  event: string;
  payload: string;
}

export function startWebhookDispatch(changes: NodeJS.EventEmitter, worldOf: (token: string) => FakeWorld): FakeWebhookDispatcher {
  const deliveries: FakeDelivery[] = [];
  let queue: Promise<void> = Promise.resolve();
  let paused = false;
  let held: Pending[] = [];

  const post = async (pending: Pending): Promise<{ code: number; text: string }> => {
    // Read at delivery: a subscription patched since the change delivers with its new secret.
    const subscription = webhookStateOf(pending.world).subscriptions.get(pending.subscription.id) ?? pending.subscription;
    try {
      const res = await fetch(subscription.url, {
        method: 'POST',
        headers: {
          ...subscription.headers,
          'Content-Type': 'application/json',
          'X-DIXA-SIGNATURE': signDixaWebhook(pending.payload, subscription.secretKey),
          'X-DIXA-SUBSCRIPTION-ID': subscription.id,
        },
        body: pending.payload,
      });
      await res.arrayBuffer();
      return { code: res.status, text: res.statusText };
    } catch (error) {
      return { code: 0, text: `Connection failed: ${(error as Error).message}` };
    }
  };

  const deliver = async (pending: Pending): Promise<void> => {
    let result = { code: 0, text: '' };
    for (let attempt = 1; attempt <= Math.max(1, dispatcher.attempts); attempt++) {
      if (dispatcher.failWith !== undefined) {
        result = { code: dispatcher.failWith, text: 'Failed (scripted by the test)' };
        break;
      }
      result = await post(pending);
      if (result.code >= 200 && result.code < 300) break;
      // Dixa's retry policy is not documented; the fake retries 5xx and unreachable only.
      if (result.code >= 400 && result.code < 500) break;
      if (attempt < dispatcher.attempts) await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
    const record: FakeDelivery = {
      subscriptionId: pending.subscription.id,
      event: pending.event,
      payload: pending.payload,
      deliveryTimestamp: isoMillis(Date.now()),
      success: result.code >= 200 && result.code < 300,
      responseCode: result.code,
      responseText: result.text,
    };
    deliveries.push(record);
    webhookStateOf(pending.world).deliveries.push(record);
  };

  const enqueue = (pending: Pending) => {
    if (paused) held.push(pending);
    else queue = queue.then(() => deliver(pending));
  };

  const onChange = (change: FakeChange) => {
    const world = worldOf(change.token);
    const subscriptions = [...webhookStateOf(world).subscriptions.values()].filter(
      (s) => s.enabled && s.subscribedEvents.includes(change.kind) && passesFilters(s, world.conversations.get(change.conversationId)),
    );
    if (subscriptions.length === 0) return;
    // Built now, not at delivery: the payload shows the world as this change left it.
    const payload = webhookPayload(world, change);
    if (!payload) return;
    const body = JSON.stringify(payload);
    for (const subscription of subscriptions) enqueue({ world, subscription, event: change.kind, payload: body });
  };
  changes.on('change', onChange);

  const worlds = new Map<string, FakeWorld>();
  const dispatcher: FakeWebhookDispatcher = {
    attempts: 3,
    failWith: undefined,
    deliveries,
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      const waiting = held;
      held = [];
      for (const pending of waiting) enqueue(pending);
    },
    async redeliver(match = (d) => !d.success) {
      const chosen = deliveries.filter(match);
      for (const delivery of chosen) {
        const world = [...worlds.values()].find((w) => webhookStateOf(w).subscriptions.has(delivery.subscriptionId));
        const subscription = world && webhookStateOf(world).subscriptions.get(delivery.subscriptionId);
        if (!world || !subscription) continue;
        enqueue({ world, subscription, event: delivery.event, payload: delivery.payload });
      }
      await queue;
      return chosen.length;
    },
    idle: () => queue,
    stop() {
      changes.off('change', onChange);
    },
  };
  // Remember the worlds changes came from, so redeliver() can find a subscription's tenant.
  changes.on('change', (change: FakeChange) => worlds.set(change.token, worldOf(change.token)));
  return dispatcher;
}

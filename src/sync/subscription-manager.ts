// configureWebhooks / DIXA_MANAGE_WEBHOOKS: make Dixa's subscription for this gateway's
// URL exist and look right (every required event, no filter, enabled), and adopt its
// signing secret. Idempotent: when nothing is wrong it only reads (GET /webhooks).
import type { DixaClient } from '../datasources/dixa/client.js';
import type { DixaWebhookSubscription, DixaWebhookSubscriptionInput } from '../datasources/dixa/types.js';
import { UpstreamError } from '../errors.js';
import { REQUIRED_EVENTS, SUBSCRIPTION_NAME, sameUrl } from './required-events.js';
import type { SecretStore } from './secret-store.js';

export interface ConfigureOutcome {
  subscription: DixaWebhookSubscription;
  action: 'created' | 'updated' | 'unchanged';
}

const HEX = /^(?:[0-9a-f]{2})+$/i;

/** The subscription that is (or was) this gateway's: by URL, else the one whose secret it adopted. */
export function findOwnSubscription(list: DixaWebhookSubscription[], url: string | undefined, adoptedId: string | undefined): DixaWebhookSubscription | undefined {
  return (url ? list.find((s) => sameUrl(s.url, url)) : undefined) ?? (adoptedId ? list.find((s) => s.id === adoptedId) : undefined);
}

/** What to PATCH so the subscription delivers everything to `url`; empty when nothing. */
export function repairsFor(subscription: DixaWebhookSubscription, url: string): DixaWebhookSubscriptionInput {
  const patch: DixaWebhookSubscriptionInput = {};
  const subscribed = subscription.subscribedEvents ?? [];
  if (REQUIRED_EVENTS.some((e) => !subscribed.includes(e))) patch.events = [...new Set([...subscribed, ...REQUIRED_EVENTS])];
  if (!subscription.enabled) patch.enabled = true;
  if (subscription.filters && Object.keys(subscription.filters).length > 0) patch.filters = {};
  if (!sameUrl(subscription.url, url)) patch.url = url;
  return patch;
}

export async function configureSubscription(client: DixaClient, url: string, secrets: SecretStore): Promise<ConfigureOutcome> {
  const list = await client.listWebhooks();
  const existing = findOwnSubscription(list, url, secrets.get()?.subscriptionId);
  let outcome: ConfigureOutcome;
  if (!existing) {
    const created = await client.createWebhook({
      name: SUBSCRIPTION_NAME,
      url,
      events: [...REQUIRED_EVENTS],
      // Deliveries are authenticated by their signature; no extra header to keep in sync.
      authorization: { _type: 'NoAuth' },
      customHeaders: {},
      enabled: true,
    });
    outcome = { subscription: created, action: 'created' };
  } else {
    const patch = repairsFor(existing, url);
    outcome =
      Object.keys(patch).length === 0
        ? { subscription: existing, action: 'unchanged' }
        : { subscription: await client.patchWebhook(existing.id, patch), action: 'updated' };
  }
  const secretHex = outcome.subscription.secretKey;
  if (typeof secretHex !== 'string' || !HEX.test(secretHex)) {
    throw new UpstreamError('adopt the webhook subscription secret', 'its secretKey is not a hex string');
  }
  secrets.set({ subscriptionId: outcome.subscription.id, url: outcome.subscription.url, secretHex });
  return outcome;
}

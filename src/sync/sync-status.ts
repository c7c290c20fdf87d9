// syncStatus: the answer to "messages are not syncing", from Dixa's own view (the
// subscription and its delivery status) and the gateway's (secrets, gaps, last delivery).
// Each problem carries a code from the contract and a fix an admin can follow.
import type { DixaClient } from '../datasources/dixa/client.js';
import type { DixaEventDeliveryStatus, DixaWebhookSubscription } from '../datasources/dixa/types.js';
import { DixaAuthFailedError, DixaForbiddenError } from '../errors.js';
import { REQUIRED_EVENTS, WEBHOOK_PATH, sameUrl } from './required-events.js';
import { findOwnSubscription } from './subscription-manager.js';
import type { SyncGapRecord } from './sync-store.js';

export type SyncProblemCode =
  | 'WEBHOOK_NOT_CONFIGURED'
  | 'WEBHOOK_DISABLED'
  | 'WEBHOOK_URL_MISMATCH'
  | 'WEBHOOK_EVENTS_MISSING'
  | 'WEBHOOK_CHANNELS_FILTERED'
  | 'WEBHOOK_DELIVERIES_FAILING'
  | 'WEBHOOK_SECRET_UNKNOWN'
  | 'SYNC_GAP_UNREPAIRED'
  | 'DIXA_AUTH_FAILED'
  | 'DIXA_FORBIDDEN';

export interface SyncProblem {
  code: SyncProblemCode;
  message: string;
}

export interface WebhookSubscriptionView {
  id: string;
  name: string | null;
  url: string;
  enabled: boolean;
  events: string[];
  channels: string[];
}

export interface WebhookDeliveryView {
  event: string;
  deliveredAt: string | null;
  success: boolean | null;
  responseCode: number | null;
}

/** The SyncStatus GraphQL type reads this. */
export interface SyncStatusReport {
  ok: boolean;
  expectedUrl: string | null;
  subscription: WebhookSubscriptionView | null;
  missingEvents: string[];
  deliveries: WebhookDeliveryView[];
  lastEventReceivedAt: string | null;
  gaps: SyncGapRecord[];
  problems: SyncProblem[];
  checkedAt: string;
}

export interface DiagnoseInput {
  client: DixaClient;
  expectedUrl: string | undefined;
  /** Secrets the receiver verifies with: DIXA_WEBHOOK_SECRET and the adopted one. */
  knownSecrets: string[];
  adoptedSubscriptionId: string | undefined;
  gaps: SyncGapRecord[];
  lastEventReceivedAt: string | undefined;
  now: number;
}

const FIX_CONFIGURE = 'Run the configureWebhooks mutation (or start the gateway with DIXA_MANAGE_WEBHOOKS=true)';

/** The channels an InitialChannel filter lets through (`not x` for an exclusion); every other condition, described. */
function filterFacts(subscription: DixaWebhookSubscription): { channels: string[]; others: string[] } {
  const channels: string[] = [];
  const others: string[] = [];
  for (const filter of Object.values(subscription.filters ?? {})) {
    for (const condition of filter?.conditions ?? []) {
      if (condition.field === 'InitialChannel') channels.push(...condition.values.map((v) => (condition._type === 'IsOneOf' ? v : `not ${v}`)));
      else others.push(`${condition.field} ${condition._type === 'IsOneOf' ? 'is one of' : 'is not one of'} ${condition.values.join(', ')}`);
    }
  }
  return { channels, others };
}

function view(subscription: DixaWebhookSubscription): WebhookSubscriptionView {
  return {
    id: subscription.id,
    name: subscription.name ?? null,
    url: subscription.url,
    enabled: subscription.enabled,
    events: subscription.subscribedEvents ?? [],
    channels: filterFacts(subscription).channels,
  };
}

function deliveryView(status: DixaEventDeliveryStatus): WebhookDeliveryView {
  const detail = status.deliveryStatus;
  if (detail?._type !== 'DeliveryDetail') return { event: status.event, deliveredAt: null, success: null, responseCode: null };
  return { event: status.event, deliveredAt: detail.deliveryTimestamp ?? null, success: detail.success, responseCode: detail.responseCode ?? null };
}

function tokenProblem(error: unknown): SyncProblem | undefined {
  if (error instanceof DixaAuthFailedError) {
    return { code: 'DIXA_AUTH_FAILED', message: 'Dixa refused the gateway\'s token (DIXA_API_TOKEN), so it cannot read the webhook subscription. Create a new API token in Dixa (Settings → Integrations → API tokens) and restart the gateway with it.' };
  }
  if (error instanceof DixaForbiddenError) {
    return { code: 'DIXA_FORBIDDEN', message: 'The gateway\'s Dixa token may not read webhook subscriptions or the activity log. Use an administrator\'s API token (Settings → Integrations → API tokens) as DIXA_API_TOKEN.' };
  }
  return undefined;
}

export async function diagnose(input: DiagnoseInput): Promise<SyncStatusReport> {
  const problems: SyncProblem[] = [];
  const base = {
    expectedUrl: input.expectedUrl ?? null,
    lastEventReceivedAt: input.lastEventReceivedAt ?? null,
    gaps: input.gaps,
    checkedAt: new Date(input.now).toISOString(),
  };
  const finish = (rest: Pick<SyncStatusReport, 'subscription' | 'missingEvents' | 'deliveries'>): SyncStatusReport => {
    for (const gap of input.gaps) {
      if (gap.repairedAt) continue;
      problems.push({
        code: 'SYNC_GAP_UNREPAIRED',
        message: `Events between ${gap.from} and ${gap.to} may be missing and are not recovered yet${gap.lastError ? ` (last attempt: ${gap.lastError})` : ''}. The gateway retries; run repairSync(from: "${gap.from}", to: "${gap.to}") to recover them now.`,
      });
    }
    return { ok: problems.length === 0, ...base, ...rest, problems };
  };

  let list: DixaWebhookSubscription[];
  try {
    list = await input.client.listWebhooks();
  } catch (error) {
    const problem = tokenProblem(error);
    if (!problem) throw error;
    problems.push(problem);
    return finish({ subscription: null, missingEvents: [...REQUIRED_EVENTS], deliveries: [] });
  }

  // Without PUBLIC_URL: the one subscription that delivers to a gateway's receiver path.
  const candidates = list.filter((s) => {
    try {
      return new URL(s.url).pathname.replace(/\/+$/, '') === WEBHOOK_PATH;
    } catch {
      return false;
    }
  });
  const own = input.expectedUrl
    ? list.find((s) => sameUrl(s.url, input.expectedUrl as string))
    : (findOwnSubscription(list, undefined, input.adoptedSubscriptionId) ?? (candidates.length === 1 ? candidates[0] : undefined));

  if (!own) {
    const elsewhere = input.expectedUrl ? (findOwnSubscription(list, undefined, input.adoptedSubscriptionId) ?? candidates[0]) : undefined;
    if (elsewhere) {
      problems.push({
        code: 'WEBHOOK_URL_MISMATCH',
        message: `Dixa's webhook subscription "${elsewhere.name}" delivers to ${elsewhere.url}, not to this gateway (${input.expectedUrl}). ${FIX_CONFIGURE} to point it here, or set PUBLIC_URL to the address Dixa should use.`,
      });
    } else {
      problems.push({
        code: 'WEBHOOK_NOT_CONFIGURED',
        message: `No Dixa webhook subscription delivers to ${input.expectedUrl ?? `this gateway's ${WEBHOOK_PATH}`}, so Dixa sends the gateway nothing. ${input.expectedUrl ? FIX_CONFIGURE : 'Set PUBLIC_URL to the gateway\'s public address and run the configureWebhooks mutation'}; it creates the subscription with every event the gateway needs and adopts its secret.`,
      });
    }
    return finish({ subscription: null, missingEvents: [...REQUIRED_EVENTS], deliveries: [] });
  }

  const subscribed = own.subscribedEvents ?? [];
  const missingEvents = REQUIRED_EVENTS.filter((e) => !subscribed.includes(e));
  if (!own.enabled) {
    problems.push({ code: 'WEBHOOK_DISABLED', message: `Dixa's webhook subscription "${own.name}" is disabled, so Dixa delivers nothing. ${FIX_CONFIGURE}, or enable it in Dixa (Settings → Integrations → Webhooks).` });
  }
  if (missingEvents.length > 0) {
    problems.push({
      code: 'WEBHOOK_EVENTS_MISSING',
      message: `The subscription does not include ${missingEvents.join(', ')}, so those changes never reach the gateway. ${FIX_CONFIGURE}, or tick those events in Dixa's webhook settings.`,
    });
  }
  const facts = filterFacts(own);
  if (facts.channels.length > 0 || facts.others.length > 0) {
    const what = [facts.channels.length > 0 ? `channels ${facts.channels.join(', ')}` : undefined, ...facts.others].filter(Boolean).join('; ');
    problems.push({
      code: 'WEBHOOK_CHANNELS_FILTERED',
      message: `The subscription has a filter (${what}), so conversations outside it are never delivered. ${FIX_CONFIGURE} to remove the filter, or remove it in Dixa's webhook settings.`,
    });
  }
  if (!input.knownSecrets.some((s) => s.toLowerCase() === own.secretKey?.toLowerCase())) {
    problems.push({
      code: 'WEBHOOK_SECRET_UNKNOWN',
      message: `The gateway does not hold the signing secret of the subscription "${own.name}", so it refuses its deliveries (401). ${FIX_CONFIGURE} to adopt the secret${input.knownSecrets.length > 0 ? ', or set DIXA_WEBHOOK_SECRET to the subscription\'s current secret' : ''}.`,
    });
  }

  let deliveries: WebhookDeliveryView[] = [];
  try {
    deliveries = ((await input.client.getWebhookDeliveryStatus(own.id)) ?? []).map(deliveryView);
  } catch (error) {
    const problem = tokenProblem(error);
    if (!problem) throw error;
    problems.push(problem);
  }
  const failing = deliveries.filter((d) => d.success === false);
  if (failing.length > 0) {
    const codes = [...new Set(failing.map((d) => d.responseCode ?? 0))];
    const hint = codes.includes(401)
      ? 'A 401 means the gateway could not verify the signature: the secrets differ. Run configureWebhooks to adopt the subscription\'s secret (or correct DIXA_WEBHOOK_SECRET).'
      : codes.some((c) => c === 0 || c >= 500)
        ? `Dixa could not reach ${own.url} or the gateway failed: check that PUBLIC_URL is reachable from the internet and the gateway is running.`
        : 'Check the gateway\'s logs for webhook refusals.';
    problems.push({
      code: 'WEBHOOK_DELIVERIES_FAILING',
      message: `Dixa's last deliveries of ${failing.map((d) => d.event).join(', ')} failed (response ${codes.join(', ')}). ${hint} Missed events are recovered from Dixa's activity log.`,
    });
  }
  return finish({ subscription: view(own), missingEvents, deliveries });
}

/** Earliest failed delivery time Dixa reports, in ms; undefined when none failed. */
export function firstFailureAt(report: SyncStatusReport): number | undefined {
  const times = report.deliveries.filter((d) => d.success === false && d.deliveredAt).map((d) => Date.parse(d.deliveredAt as string));
  return times.length > 0 ? Math.min(...times) : undefined;
}

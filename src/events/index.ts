// The sync side of the gateway, assembled: the durable event log in DATA_DIR, the bus
// that wakes live subscriptions, the cache refresher and the webhook receiver, plus the
// retention sweep. server.ts owns one of these per gateway.
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import type { DixaCache } from '../datasources/dixa/dixa-cache.js';
import type { PendingMessages } from '../datasources/dixa/pending-messages.js';
import { tokenFingerprint } from '../datasources/dixa/token-fingerprint.js';
import { BodyGate } from '../http/body-gate.js';
import { EventBus } from './event-bus.js';
import type { EventLog } from './event-log.js';
import { openSqliteEventLog } from './sqlite-event-log.js';
import { createWebhookCacheUpdates, type ConversationEventApplied, type WebhookCacheUpdates } from './webhook-cache-updates.js';
import { createWebhookReceiver, type WebhookHandler, type WebhookReceiverOptions } from './webhook-receiver.js';

export type { EventFeed } from './event-stream.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 60 * 60 * 1000;

export interface GatewayEvents {
  log: EventLog;
  bus: EventBus;
  handleWebhook: WebhookHandler;
  /** Webhook bodies being read before their signature is checked (bounded). */
  webhookBodies: BodyGate;
  /** Keeps the cache fresh from events; gap repair (src/sync) applies repaired events through it. */
  refresher: WebhookCacheUpdates;
  close(): Promise<void>;
}

export interface GatewayEventsOptions {
  /** The clock for signature freshness and receipt times (tests replay old vectors with it). */
  now?: () => number;
  /** Another store in place of the SQLite file in DATA_DIR. */
  log?: EventLog;
  /** Replies being sent: their webhooks keep the cached message list (see webhook-cache-updates.ts). */
  pendingMessages?: PendingMessages;
  /** The secret adopted from the Dixa subscription (src/sync), accepted beside DIXA_WEBHOOK_SECRET. */
  adoptedSecretHex?: () => string | undefined;
  /** Told of accepted and refused deliveries (src/sync). */
  observer?: WebhookReceiverOptions['observer'];
  /** Told of each conversation event once the cache has it (the prefetch, src/prefetch). */
  onConversationEvent?: (change: ConversationEventApplied) => void;
}

export function createGatewayEvents(
  config: GatewayConfig,
  logger: Logger,
  cache: DixaCache,
  options: GatewayEventsOptions = {},
): GatewayEvents {
  const log = options.log ?? openSqliteEventLog(config.dataDir);
  const bus = new EventBus();
  // A shared log (Redis) tells of events other replicas stored, so subscriptions here see them too.
  const stopWatching = log.watch?.((event) => bus.publish(event));
  // Webhooks come from the configured token's organization.
  const configured = config.dixa.token ? tokenFingerprint(config.dixa.token) : undefined;
  if ((config.webhookSecret || options.adoptedSecretHex?.()) && configured) cache.keepFresh(configured);
  const webhookBodies = new BodyGate(config.events.maxPendingBodies);
  const refresher = createWebhookCacheUpdates(cache, configured, options.pendingMessages, options.onConversationEvent);
  const handleWebhook = createWebhookReceiver({
    gate: webhookBodies,
    secretHex: () => config.webhookSecret,
    ...(options.adoptedSecretHex ? { adoptedSecretHex: options.adoptedSecretHex } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
    toleranceMs: config.events.toleranceSeconds * 1000,
    maxBodyBytes: config.events.maxBodyBytes,
    log,
    bus,
    refresher,
    logger: logger.child({ component: 'webhooks' }),
    ...(options.now ? { now: options.now } : {}),
  });

  const now = options.now ?? Date.now;
  const sweep = async () => {
    if (config.events.retentionDays <= 0) return;
    try {
      const removed = await log.prune(now() - config.events.retentionDays * DAY_MS);
      if (removed > 0) logger.info({ removed, retentionDays: config.events.retentionDays }, 'old webhook events deleted');
    } catch (error) {
      logger.error({ err: error }, 'event retention sweep failed');
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), SWEEP_EVERY_MS);
  timer.unref();

  return {
    log,
    bus,
    handleWebhook,
    webhookBodies,
    refresher,
    async close() {
      clearInterval(timer);
      stopWatching?.();
      // A log passed in is closed by whoever opened it (src/stores.ts).
      if (!options.log) await log.close();
    },
  };
}

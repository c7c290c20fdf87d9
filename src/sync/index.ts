// The sync side that keeps webhooks from silently stopping, assembled: the managed
// subscription (configureWebhooks), the diagnosis (syncStatus), the heartbeat that tells a
// restart how long the gateway was away, and gap repair from Dixa's activity log.
// server.ts owns one per gateway. Every Dixa call goes through `client()`, one place to
// give sync work its own (background) priority.
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import type { DixaClient } from '../datasources/dixa/client.js';
import type { DixaDataSource } from '../datasources/dixa/index.js';
import { tokenFingerprint } from '../datasources/dixa/token-fingerprint.js';
import type { GatewayEvents } from '../events/index.js';
import { DeliveryWatch } from './delivery-observer.js';
import { createGapRepair } from './gap-repair.js';
import { expectedWebhookUrl } from './required-events.js';
import type { SecretStore } from './secret-store.js';
import { configureSubscription, type ConfigureOutcome } from './subscription-manager.js';
import { diagnose, firstFailureAt, type SyncStatusReport } from './sync-status.js';
import type { GapReason, SyncGapRecord, SyncStore } from './sync-store.js';

export { DeliveryWatch } from './delivery-observer.js';
export { openSecretStore, type SecretStore } from './secret-store.js';
export type { SyncStatusReport } from './sync-status.js';
export type { SyncGapRecord } from './sync-store.js';

/** How often the gateway says it is alive. */
export const HEARTBEAT_MS = 30_000;
/** A repaired window starts this much before the known gap: deliveries in flight, clock skew. */
export const GAP_MARGIN_MS = 30_000;
/** A restart after a long stop repairs at most this far back (repairSync reaches older windows in parts). */
export const MAX_RESTART_REPAIR_MS = 31 * 24 * 60 * 60 * 1000;

export interface GatewaySync {
  status(): Promise<SyncStatusReport>;
  /** Creates or fixes the subscription for `url` (default PUBLIC_URL/webhooks/dixa) and adopts its secret. */
  configure(url?: string): Promise<ConfigureOutcome>;
  repair(fromMs: number, toMs: number, reason?: GapReason): Promise<SyncGapRecord>;
  /** Heartbeat on, a repair of the time since the last one, and DIXA_MANAGE_WEBHOOKS. */
  start(): Promise<void>;
  /** Resolves when background repairs started so far have finished (tests, shutdown). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export interface GatewaySyncDeps {
  config: GatewayConfig;
  logger: Logger;
  datasource: DixaDataSource;
  events: GatewayEvents;
  secrets: SecretStore;
  /** Heartbeat and gaps. */
  store: SyncStore;
  watch: DeliveryWatch;
  now?: () => number;
}

export function createGatewaySync(deps: GatewaySyncDeps): GatewaySync {
  const { config, datasource, events, secrets, store, watch } = deps;
  const now = deps.now ?? Date.now;
  const logger = deps.logger.child({ component: 'sync' });

  /**
   * Sync reads with the gateway's configured token. `background` marks work no caller waits
   * for (status, repair): it takes only the rate slots interactive calls leave.
   */
  const clientFor = ({ background }: { background: boolean }): DixaClient => {
    const token = config.dixa.token;
    if (!token) throw new Error('sync: no Dixa token configured');
    return datasource.forRequest(token, undefined, background ? 'background' : undefined).client;
  };

  const repairer = createGapRepair({
    client: () => clientFor({ background: true }),
    log: events.log,
    bus: events.bus,
    refresher: events.refresher,
    store,
    logger,
    now,
  });

  const background = new Set<Promise<unknown>>();
  const inBackground = (work: Promise<unknown>) => {
    const tracked = work.catch(() => undefined).finally(() => background.delete(tracked));
    background.add(tracked);
  };
  const repairLater = (fromMs: number, toMs: number, reason: GapReason) => inBackground(repairer.repair(fromMs, toMs, reason));

  // Deliveries refused as unverifiable are missing: repair their period once they verify again.
  watch.onRecovered = ({ from, to }) => repairLater(from - GAP_MARGIN_MS, to, 'deliveries-rejected');

  const syncIsOn = () => Boolean(config.webhookSecret || secrets.get());

  let cached: { at: number; report: Promise<SyncStatusReport> } | undefined;
  const statusCacheMs = config.sync.statusCacheSeconds * 1000;

  async function freshStatus(): Promise<SyncStatusReport> {
    const at = now();
    const adopted = secrets.get();
    const report = await diagnose({
      client: clientFor({ background: true }),
      expectedUrl: expectedWebhookUrl(config.sync.publicUrl),
      knownSecrets: [config.webhookSecret, adopted?.secretHex].filter((s): s is string => Boolean(s)),
      adoptedSubscriptionId: adopted?.subscriptionId,
      gaps: store.gaps(),
      lastEventReceivedAt: await events.log.lastReceivedAt('WEBHOOK'),
      now: at,
    });
    // Failed deliveries Dixa reports are missing events: repair from the first failure on.
    const failedAt = firstFailureAt(report);
    if (failedAt !== undefined && !store.covers(failedAt)) {
      const gap = store.openGap(failedAt - GAP_MARGIN_MS, at, 'deliveries-failed');
      report.gaps = store.gaps();
      report.problems.push({
        code: 'SYNC_GAP_UNREPAIRED',
        message: `Events since ${gap.from} may be missing because deliveries failed; the gateway is recovering them from Dixa's activity log now.`,
      });
      report.ok = false;
      repairLater(failedAt - GAP_MARGIN_MS, at, 'deliveries-failed');
    }
    if (watch.rejectedWindow) {
      report.problems.push({
        code: 'WEBHOOK_DELIVERIES_FAILING',
        message: `The gateway refused deliveries it could not verify since ${new Date(watch.rejectedWindow.from).toISOString()}: the signing secrets differ. Run configureWebhooks to adopt the subscription's secret; the refused period is repaired once deliveries verify again.`,
      });
      report.ok = false;
    }
    return report;
  }

  let timer: NodeJS.Timeout | undefined;

  return {
    status() {
      const at = now();
      if (!cached || at - cached.at >= statusCacheMs) {
        const report = freshStatus();
        cached = { at, report };
        report.catch(() => {
          if (cached?.report === report) cached = undefined;
        });
      }
      return cached.report;
    },
    async configure(url) {
      const target = url ?? expectedWebhookUrl(config.sync.publicUrl);
      if (!target) throw new Error('sync: no webhook URL (PUBLIC_URL is not set)');
      const outcome = await configureSubscription(clientFor({ background: false }), target, secrets);
      cached = undefined;
      // Webhooks now keep this token's conversations fresh, so its cache entries may live longer.
      if (config.dixa.token) datasource.cache.keepFresh(tokenFingerprint(config.dixa.token));
      logger.info({ subscriptionId: outcome.subscription.id, action: outcome.action, url: target }, 'webhook subscription configured; its secret is adopted');
      return outcome;
    },
    async repair(fromMs, toMs, reason = 'on-demand') {
      const gap = await repairer.repair(fromMs, toMs, reason);
      cached = undefined;
      return gap;
    },
    async start() {
      const at = now();
      const last = store.lastHeartbeat();
      store.heartbeat(at);
      timer = setInterval(() => store.heartbeat(now()), HEARTBEAT_MS);
      timer.unref();
      if (config.sync.manageWebhooks) {
        try {
          await this.configure();
        } catch (error) {
          logger.error({ err: error }, 'DIXA_MANAGE_WEBHOOKS: the webhook subscription could not be configured; syncStatus tells what to fix');
        }
      }
      // Whatever Dixa sent while the gateway was away is missing: repair it in the background.
      if (last !== undefined && syncIsOn()) repairLater(Math.max(last - GAP_MARGIN_MS, at - MAX_RESTART_REPAIR_MS), at, 'restart');
    },
    async settled() {
      while (background.size > 0) await Promise.all([...background]);
    },
    async close() {
      if (timer) clearInterval(timer);
      await Promise.all([...background]);
      // The store is closed by its owner (src/stores.ts).
      store.heartbeat(now());
    },
  };
}

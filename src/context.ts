// What every resolver receives: the request's id and logger, the configuration, and the
// Dixa datasource bound to the caller's token. HTTP requests and WebSocket subscriptions
// build it the same way.
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import type { DixaDataSource, RequestDixa } from './datasources/dixa/index.js';
import type { PendingMessages } from './datasources/dixa/pending-messages.js';
import { DixaAuthFailedError } from './errors.js';
import type { EventFeed } from './events/index.js';
import type { GatewaySync } from './sync/index.js';
import type { IdempotentWrites } from './writes/idempotent-writes.js';

/** What the write path keeps across requests (and, with Redis, across replicas). */
export interface WriteState {
  /** What became of each idempotencyKey (scope = token fingerprint). */
  idempotency: IdempotentWrites;
  /** Messages being sent, so their webhooks do not drop the list they are written into. */
  pendingMessages: PendingMessages;
}

export interface GatewayContext {
  requestId: string;
  config: GatewayConfig;
  logger: Logger;
  dixa: RequestDixa;
  writes: WriteState;
  /** The webhook event log and live feed; absent only where a context is built without a gateway. */
  events?: EventFeed;
  /** The webhook subscription, syncStatus and gap repair (src/sync); absent where a context is built without a gateway. */
  sync?: GatewaySync;
}

export interface ContextInput {
  requestId: string;
  /** The caller's own Dixa token (X-Dixa-Token), honoured only when DIXA_TOKEN_HEADER is on. */
  callerToken?: string | undefined;
  /** Aborts the request's pending Dixa calls. */
  signal?: AbortSignal;
}

export type ContextFactory = (input: ContextInput) => GatewayContext;

export interface ContextServices {
  datasource: DixaDataSource;
  writes: WriteState;
  events?: EventFeed;
  sync?: GatewaySync;
}

export function createContextFactory(config: GatewayConfig, logger: Logger, { datasource, writes, events, sync }: ContextServices): ContextFactory {
  return ({ requestId, callerToken, signal }) => ({
    requestId,
    config,
    logger: logger.child({ requestId }),
    dixa: datasource.forRequest(dixaTokenFor(config, callerToken), signal),
    writes,
    ...(events ? { events } : {}),
    ...(sync ? { sync } : {}),
  });
}

/** The caller's own token when the operator allows it, else the configured one. */
export function dixaTokenFor(config: GatewayConfig, callerToken: string | undefined): string {
  const own = callerToken?.trim();
  if (config.dixa.tokenHeader && own) return own;
  if (!config.dixa.token) throw new DixaAuthFailedError();
  return config.dixa.token;
}

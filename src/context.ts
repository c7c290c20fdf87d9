// What every resolver receives: the request's id and logger, the configuration, and the
// Dixa datasource bound to the caller's token. HTTP requests and WebSocket subscriptions
// build it the same way.
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import type { DixaDataSource, RequestDixa } from './datasources/dixa/index.js';
import { DixaAuthFailedError } from './errors.js';
import type { EventFeed } from './events/index.js';
import type { GatewaySync } from './sync/index.js';

export interface GatewayContext {
  requestId: string;
  config: GatewayConfig;
  logger: Logger;
  dixa: RequestDixa;
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

export function createContextFactory(config: GatewayConfig, logger: Logger, datasource: DixaDataSource, events?: EventFeed, sync?: GatewaySync): ContextFactory {
  return ({ requestId, callerToken, signal }) => ({
    requestId,
    config,
    logger: logger.child({ requestId }),
    dixa: datasource.forRequest(dixaTokenFor(config, callerToken), signal),
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

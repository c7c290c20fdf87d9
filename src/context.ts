// What every resolver receives: the request's id and logger, the configuration, and the
// Dixa datasource bound to the caller's token.
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import type { RequestDixa } from './datasources/dixa/index.js';

export interface GatewayContext {
  requestId: string;
  config: GatewayConfig;
  logger: Logger;
  dixa: RequestDixa;
}

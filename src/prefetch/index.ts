// The prefetch, assembled from the configuration: a Prefetcher for the configured token
// when DIXA_PREFETCH=open, else nothing (the gateway then reads only when asked).
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config.js';
import type { DixaDataSource } from '../datasources/dixa/index.js';
import { tokenFingerprint } from '../datasources/dixa/token-fingerprint.js';
import { Prefetcher, type PrefetcherOptions } from './prefetcher.js';

export { Prefetcher, INBOX_PAGE, type WarmupReport } from './prefetcher.js';

export function createPrefetch(
  config: GatewayConfig,
  datasource: DixaDataSource,
  logger: Logger,
  options: Omit<PrefetcherOptions, 'source' | 'logger'> = {},
): Prefetcher | undefined {
  const token = config.dixa.token;
  if (config.prefetch.mode === 'off' || !token) return undefined;
  return new Prefetcher({
    ...options,
    source: {
      cache: datasource.cache,
      fingerprint: tokenFingerprint(token),
      forBackground: (signal) => datasource.forRequest(token, signal, 'background'),
    },
    logger: logger.child({ component: 'prefetch' }),
  });
}

// Prometheus metrics (prom-client), served on GET /metrics. Labels are low-cardinality
// and never carry a token, key or id: Dixa paths are reduced to their route shape.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DixaCache } from '../datasources/dixa/dixa-cache.js';

/** What the prefetch reports (src/prefetch/prefetcher.ts). */
export interface PrefetchFigures {
  readonly size: number;
  readonly warm: number;
  readonly calls: number;
  readonly report: { seconds: number } | undefined;
}

/** `/v1/conversations/12/tags/<uuid>` -> `/conversations/:id/tags/:uuid` (query dropped). */
export function routeShape(path: string): string {
  return path
    .split('?')[0]!
    .replace(/^(\/[^/]+)*?\/(v1|beta)(?=\/)/, '')
    .replace(/\/\d+(?=\/|$)/g, '/:id')
    .replace(/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\/|$)/gi, '/:uuid');
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly dixaCalls: Counter<'method' | 'route' | 'status'>;
  private readonly dixaSeconds: Histogram<'method' | 'route'>;
  private readonly operations: Counter<'type' | 'outcome'>;
  private readonly webhooks: Counter<'outcome'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.dixaCalls = new Counter({
      name: 'dixa_requests_total',
      help: 'Calls made to Dixa, by method, route shape and status (0: no answer).',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.dixaSeconds = new Histogram({
      name: 'dixa_request_duration_seconds',
      help: 'Time to Dixa response headers.',
      labelNames: ['method', 'route'],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [this.registry],
    });
    this.operations = new Counter({
      name: 'graphql_operations_total',
      help: 'GraphQL operations, by type and outcome (ok, error: any error in the response).',
      labelNames: ['type', 'outcome'],
      registers: [this.registry],
    });
    this.webhooks = new Counter({
      name: 'dixa_webhooks_total',
      help: 'Webhook deliveries, by outcome (accepted: stored or a repeat of a stored one; rejected).',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
  }

  dixaCall(method: string, path: string, status: number, seconds: number): void {
    const route = routeShape(path);
    this.dixaCalls.inc({ method, route, status: String(status) });
    if (status > 0) this.dixaSeconds.observe({ method, route }, seconds);
  }

  operation(type: string, ok: boolean): void {
    this.operations.inc({ type, outcome: ok ? 'ok' : 'error' });
  }

  webhook(outcome: 'accepted' | 'rejected'): void {
    this.webhooks.inc({ outcome });
  }

  /** Cache figures are read when scraped, not counted twice. */
  watchCache(cache: DixaCache): void {
    const stat = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() { this.set(read()); } });
    stat('gateway_cache_hits', 'Shared-cache hits since start.', () => cache.stats.hits);
    stat('gateway_cache_misses', 'Shared-cache misses (Dixa reads) since start.', () => cache.stats.misses);
    stat('gateway_cache_deduped', 'Loads merged into one already under way, since start.', () => cache.stats.deduped);
    stat('gateway_cache_entries', 'Entries in the shared cache.', () => cache.size.entries);
    stat('gateway_cache_bytes', 'Approximate bytes held by the shared cache.', () => cache.size.bytes);
  }

  /** Prefetch progress, read when scraped. */
  watchPrefetch(prefetch: PrefetchFigures): void {
    const stat = (name: string, help: string, read: () => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() { this.set(read()); } });
    stat('gateway_prefetch_conversations', 'Open and pending conversations the prefetch keeps warm (the prefetch set).', () => prefetch.size);
    stat('gateway_prefetch_warm', 'Conversations of the prefetch set whose record, messages and tags are cached and fresh.', () => prefetch.warm);
    stat('gateway_prefetch_calls', 'Dixa reads the prefetch has made since start.', () => prefetch.calls);
    stat('gateway_prefetch_first_warmup_seconds', 'How long the first warm-up took; 0 until it completes.', () => prefetch.report?.seconds ?? 0);
  }
}

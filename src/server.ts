// The gateway's HTTP server: /graphql (Apollo, and graphql-ws subscriptions on its
// WebSocket upgrades), the health endpoints and the Dixa webhook receiver (src/events),
// on Node's own http server. /graphql requires a gateway key (when keys are configured);
// the webhook is guarded by its signature and health stays open. Builds the per-request
// context: request id, logger, and the Dixa datasource bound to the caller's token.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { listenRefusal, type GatewayConfig } from './config.js';
import { createContextFactory, type WriteState } from './context.js';
import { checkDixaConnection, notConfiguredVerdict } from './datasources/dixa/connection-check.js';
import { DixaDataSource } from './datasources/dixa/index.js';
import { PendingMessages } from './datasources/dixa/pending-messages.js';
import { createGatewayEvents, type GatewayEvents } from './events/index.js';
import { attachSubscriptions, type SubscriptionAuthorizer } from './http/subscriptions.js';
import { createApolloServer } from './graphql/apollo.js';
import { createOperationCheck } from './graphql/operation-limits.js';
import { TrustedDocuments } from './graphql/trusted-documents.js';
import { operationMetricsPlugin } from './graphql/operation-metrics.js';
import { GatewayMetrics } from './observability/metrics.js';
import { CallerAuth } from './http/caller-auth.js';
import { handleGraphQL } from './http/graphql-handler.js';
import { HttpError } from './errors.js';
import { listenErrorOf } from './http/listen-error.js';
import { Readiness, READINESS_TTL_MS } from './http/readiness.js';
import { sendJson } from './http/read-body.js';
import { Playground } from './http/playground.js';
import { buildGatewaySchema } from './schema.js';
import { openGatewayStores, type GatewayStores, type StoreOverrides } from './stores.js';
import { createGatewaySync, DeliveryWatch, type GatewaySync } from './sync/index.js';
import { IdempotentWrites } from './writes/idempotent-writes.js';
import { createPrefetch, type Prefetcher } from './prefetch/index.js';

export interface Gateway {
  server: Server;
  datasource: DixaDataSource;
  /** Idempotency records and replies being sent. */
  writes: WriteState;
  /** Where state is kept (memory and DATA_DIR, or Redis). */
  stores: GatewayStores;
  /** The webhook event log and its live feed. */
  events: GatewayEvents;
  /** Whether Dixa is reachable with the configured token (one shared, briefly cached check). */
  readiness: Readiness;
  /** The managed webhook subscription, syncStatus and gap repair. */
  sync: GatewaySync;
  /** Keeps the open conversations warm (DIXA_PREFETCH=open); undefined when off. */
  prefetch: Prefetcher | undefined;
  /** Starts listening; resolves to the base URL, e.g. http://127.0.0.1:4000. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

const REQUEST_ID = /^[\w.-]{1,64}$/;
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;

function callerTokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers['x-dixa-token'];
  return typeof header === 'string' ? header : undefined;
}

export interface GatewayOptions {
  /** Accepts or refuses a graphql-ws connection; default: accept. */
  authorizeSubscription?: SubscriptionAuthorizer;
  /** Clock for webhook signature freshness and the readiness verdict's lifetime. */
  now?: () => number;
  /** Stores in place of the configured ones (tests, benchmarks). */
  stores?: StoreOverrides;
}

export async function createGateway(config: GatewayConfig, logger: Logger, options: GatewayOptions = {}): Promise<Gateway> {
  // Checked before anything opens (the event log, the pool): a refused start leaves nothing behind.
  const refusal = listenRefusal(config.host, config.apiKeys);
  if (refusal) throw new Error(refusal);
  if (config.apiKeys.length === 0) {
    logger.warn({ host: config.host }, 'GATEWAY_API_KEYS is not set: any caller on this machine may use the gateway (it listens on loopback only)');
  }
  const callers = new CallerAuth(config.apiKeys);
  const schema = buildGatewaySchema();
  // A manifest that cannot be read or no longer validates stops the start, before anything opens.
  const trustedDocuments = config.graphql.trustedDocuments ? TrustedDocuments.load(config.graphql.trustedDocuments, schema) : undefined;
  if (trustedDocuments) logger.info({ documents: trustedDocuments.size }, 'GRAPHQL_TRUSTED_DOCUMENTS: only the manifest\'s documents run, sent by id');
  const metrics = new GatewayMetrics();
  // One judge of operation limits for HTTP (Apollo) and WebSocket subscriptions alike.
  const operationCheck = createOperationCheck(config.graphql);
  const apollo = createApolloServer(schema, config, operationCheck, [operationMetricsPlugin(metrics)]);
  await apollo.start();
  const stores = openGatewayStores(config, logger, options.stores);
  await stores.ready();
  const datasource = new DixaDataSource(config, logger, {
    onCall: (method, path, status, seconds) => metrics.dixaCall(method, path, status, seconds),
    cache: stores.cache,
    ...(stores.rateBudget ? { rateBudget: stores.rateBudget } : {}),
  });
  metrics.watchCache(datasource.cache);
  const writes: WriteState = {
    idempotency: new IdempotentWrites(stores.idempotency, logger.child({ component: 'idempotency' })),
    pendingMessages: new PendingMessages(),
  };
  const prefetch = createPrefetch(config, datasource, logger);
  if (prefetch) metrics.watchPrefetch(prefetch);
  const watch = new DeliveryWatch();
  const events = createGatewayEvents(config, logger, datasource.cache, {
    log: stores.eventLog,
    pendingMessages: writes.pendingMessages,
    adoptedSecretHex: () => stores.secrets.get()?.secretHex,
    observer: watch,
    ...(prefetch ? { onConversationEvent: (change) => prefetch.conversationEvent(change) } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const sync = createGatewaySync({ config, logger, datasource, events, secrets: stores.secrets, store: stores.sync, watch });
  await sync.start();

  const createContext = createContextFactory(config, logger, { datasource, writes, events, sync });
  const readiness = new Readiness({
    check: () => {
      const token = config.dixa.token;
      return token
        ? checkDixaConnection(datasource.forRequest(token, undefined, 'background').client, { apiUrl: config.dixa.apiUrl })
        : Promise.resolve(notConfiguredVerdict());
    },
    ttlMs: READINESS_TTL_MS,
    now: options.now ?? Date.now,
    demo: config.demo,
    ...(stores.redis ? { redisReady: stores.redis.isReady } : {}),
  });
  const playground = config.graphql.playground ? new Playground({ keysRequired: callers.enabled }) : undefined;

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    // The IDE's page and files are open to all; the operations it sends need the key.
    if (playground) {
      if (path === '/graphql' && Playground.wantsPage(req)) {
        playground.servePage(req, res);
        return;
      }
      if (playground.serveAsset(path, req, res)) return;
    }
    if (path === '/graphql') {
      if (!callers.allows(req.headers.authorization)) {
        sendJson(
          res,
          401,
          { errors: [{ message: 'Send a gateway API key as "Authorization: Bearer <key>" (one of GATEWAY_API_KEYS).', extensions: { code: 'UNAUTHENTICATED' } }] },
          { 'www-authenticate': 'Bearer realm="dixa-gateway"' },
        );
        return;
      }
      // Pending Dixa calls are aborted at the request's deadline, or when its caller goes away.
      const aborter = new AbortController();
      const deadline = setTimeout(() => aborter.abort(), config.requestDeadlineMs);
      // Every pending Dixa call listens on this signal; an inbox query has ~100 of them.
      setMaxListeners(0, aborter.signal);
      res.on('close', () => {
        clearTimeout(deadline);
        if (!res.writableFinished) aborter.abort();
      });
      const context = async () => createContext({ requestId, callerToken: callerTokenOf(req), signal: aborter.signal });
      await handleGraphQL(req, res, apollo, context, config.graphql.maxBodyBytes, trustedDocuments);
      return;
    }
    if (path === '/webhooks/dixa') {
      try {
        await events.handleWebhook(req, res, requestId);
        metrics.webhook('accepted');
      } catch (error) {
        metrics.webhook('rejected');
        throw error;
      }
      return;
    }
    if (path === '/metrics' && req.method === 'GET') {
      // Behind the gateway key when keys are set: metrics describe the organization's traffic.
      if (!callers.allows(req.headers.authorization)) throw new HttpError(401, 'Send a gateway API key as "Authorization: Bearer <key>".', 'UNAUTHENTICATED');
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
      return;
    }
    if (path === '/healthz' && req.method === 'GET') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (path === '/readyz' && req.method === 'GET') {
      // Organization data only for a caller with a gateway key; never the caller's X-Dixa-Token.
      const answer = await readiness.answer(callers.enabled && callers.allows(req.headers.authorization));
      sendJson(res, answer.ok ? 200 : 503, answer);
      return;
    }
    throw new HttpError(404, `No route for ${req.method} ${path}. The GraphQL endpoint is /graphql.`, 'NOT_FOUND');
  }

  // Slow senders may not hold a connection: the whole request (headers and body) must
  // arrive within these, checked every few seconds.
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 2_000 }, (req, res) => {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    route(req, res, requestId).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        sendJson(res, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] });
        return;
      }
      logger.error({ err: error, requestId }, 'request failed');
      sendJson(res, 500, { errors: [{ message: 'Unexpected error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }] });
    });
  });

  const subscriptions = attachSubscriptions(server, {
    path: '/graphql',
    schema,
    createContext,
    events,
    logger,
    check: operationCheck,
    trustedDocuments,
    // The key comes in connection_init's `authorization`, or in the upgrade request's header.
    authorize:
      options.authorizeSubscription ??
      (({ connectionParams, request }) => {
        // GraphiQL sends its headers editor's `Authorization` as a connection parameter.
        const fromParams = connectionParams?.authorization ?? connectionParams?.Authorization;
        return callers.allows(typeof fromParams === 'string' ? fromParams : request.headers.authorization);
      }),
  });

  // Started once everything that serves requests is built; its reads run at background priority.
  prefetch?.start();

  return {
    server,
    datasource,
    writes,
    stores,
    readiness,
    events,
    sync,
    prefetch,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        server.once('error', (error) => reject(listenErrorOf(error, port, host)));
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    async close() {
      prefetch?.stop();
      await subscriptions.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await apollo.stop();
      await sync.close();
      await datasource.close();
      await events.close();
      await stores.close();
    },
  };
}

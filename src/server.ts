// The gateway's HTTP server: /graphql (Apollo), the health endpoints, and (later) the
// webhook receiver, on Node's own http server. Builds the per-request context: request
// id, logger, and the Dixa datasource bound to the caller's token.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';
import { createContextFactory } from './context.js';
import { checkDixaConnection } from './datasources/dixa/connection-check.js';
import { DixaDataSource } from './datasources/dixa/index.js';
import { createApolloServer } from './graphql/apollo.js';
import { handleGraphQL } from './http/graphql-handler.js';
import { HttpError, sendJson } from './http/read-body.js';
import { buildGatewaySchema } from './schema.js';

export interface Gateway {
  server: Server;
  datasource: DixaDataSource;
  /** Starts listening; resolves to the base URL, e.g. http://127.0.0.1:4000. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

const REQUEST_ID = /^[\w.-]{1,64}$/;

function callerTokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers['x-dixa-token'];
  return typeof header === 'string' ? header : undefined;
}

export async function createGateway(config: GatewayConfig, logger: Logger): Promise<Gateway> {
  const apollo = createApolloServer(buildGatewaySchema(), config);
  await apollo.start();
  const datasource = new DixaDataSource(config, logger);

  const createContext = createContextFactory(config, logger, datasource);

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/graphql') {
      // Pending Dixa calls of a request whose caller went away are aborted.
      const aborter = new AbortController();
      // Every pending Dixa call listens on this signal; an inbox query has ~100 of them.
      setMaxListeners(0, aborter.signal);
      res.on('close', () => {
        if (!res.writableFinished) aborter.abort();
      });
      const context = async () => createContext({ requestId, callerToken: callerTokenOf(req), signal: aborter.signal });
      await handleGraphQL(req, res, apollo, context);
      return;
    }
    if (path === '/healthz' && req.method === 'GET') {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (path === '/readyz' && req.method === 'GET') {
      const verdict = await checkDixaConnection(createContext({ requestId, callerToken: callerTokenOf(req) }).dixa.client);
      sendJson(res, verdict.ok ? 200 : 503, verdict);
      return;
    }
    throw new HttpError(404, `No route for ${req.method} ${path}. The GraphQL endpoint is /graphql.`, 'NOT_FOUND');
  }

  const server = createServer((req, res) => {
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

  return {
    server,
    datasource,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`http://${shownHost}:${address.port}`);
        });
      });
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await apollo.stop();
      await datasource.close();
    },
  };
}

// GraphQL subscriptions over graphql-ws, on the HTTP server's WebSocket upgrades at
// /graphql. Each operation gets a context from the same factory as HTTP requests (the
// configured token: events belong to its organization), renewed per pushed event so a
// long-lived subscription never answers from its first event's DataLoader memo.
// Authentication is a hook: `authorize` sees connectionParams and the upgrade request.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, getOperationAST, parse, validate, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { CloseCode, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { ContextFactory, GatewayContext } from '../context.js';
import { ErrorCode, GatewayError } from '../errors.js';
import { graphQLRequestProblem } from '../graphql/document-guard.js';
import { formatError } from '../graphql/error-format.js';
import type { OperationCheck } from '../graphql/operation-limits.js';
import type { TrustedDocuments } from '../graphql/trusted-documents.js';
import type { EventFeed } from '../events/event-stream.js';

export interface SubscriptionAuthInput {
  /** The client's connection_init payload, e.g. `{ authorization: 'Bearer <key>' }`. */
  connectionParams: Readonly<Record<string, unknown>> | undefined;
  /** The HTTP upgrade request (its Authorization header, remote address...). */
  request: IncomingMessage;
}

/** True (or resolves true) to accept the connection; anything else closes it with 4403. */
export type SubscriptionAuthorizer = (input: SubscriptionAuthInput) => boolean | Promise<boolean>;

export interface SubscriptionServerOptions {
  path: string;
  schema: GraphQLSchema;
  createContext: ContextFactory;
  events: Pick<EventFeed, 'log' | 'bus'>;
  logger: Logger;
  /** Defaults to allowing every connection (the gateway key check plugs in here). */
  authorize?: SubscriptionAuthorizer;
  /** The operation limits HTTP requests get (depth, aliases, cost): subscriptions get them too. */
  check: OperationCheck;
  /** Set: only the manifest's documents run, as over HTTP. */
  trustedDocuments?: TrustedDocuments | undefined;
}

/**
 * What graphql-ws runs for a subscribe message, or the errors it answers with: the same
 * checks as over HTTP — the text guard, the trusted-documents manifest (when on), parse
 * and validation, then the operation limits.
 */
function subscribeArgs(options: SubscriptionServerOptions, payload: SubscribePayload): ExecutionArgs | readonly GraphQLError[] {
  const { schema } = options;
  const problem = graphQLRequestProblem({ query: payload.query, variables: payload.variables });
  if (problem) return [new GraphQLError(problem, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX } })];
  let args: ExecutionArgs;
  if (options.trustedDocuments) {
    const trusted = options.trustedDocuments.subscriptionArgs(schema, payload);
    if (Array.isArray(trusted)) return trusted;
    args = trusted as ExecutionArgs;
  } else {
    let document: DocumentNode;
    try {
      document = parse(payload.query);
    } catch (error) {
      return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return invalid;
    args = { schema, document, ...(payload.operationName ? { operationName: payload.operationName } : {}), ...(payload.variables ? { variableValues: payload.variables } : {}) };
  }
  const operation = getOperationAST(args.document, args.operationName ?? undefined);
  const refused = options.check(schema, args.document, operation, args.operationName ?? undefined, args.variableValues ?? undefined);
  return refused ? [refused] : args;
}

/** The close reason of a refused connection (a WebSocket close reason holds at most 123 bytes). */
export const REFUSED_REASON = 'Forbidden: send Authorization: Bearer <key> in connectionParams, e.g. {"authorization": "Bearer <key>"}';

export interface SubscriptionServer {
  close(): Promise<void>;
}

export function attachSubscriptions(server: Server, options: SubscriptionServerOptions): SubscriptionServer {
  const wss = new WebSocketServer({ noServer: true });
  const authorize = options.authorize ?? (() => true);

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== options.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  const disposable = useServer(
    {
      schema: options.schema,
      onSubscribe: (_ctx, _id, payload) => subscribeArgs(options, payload),
      onConnect: async (ctx) => {
        if ((await authorize({ connectionParams: ctx.connectionParams, request: ctx.extra.request })) === true) return true;
        // graphql-ws would close with a bare "Forbidden"; this close comes first and says what to send.
        ctx.extra.socket.close(CloseCode.Forbidden, REFUSED_REASON);
        return false;
      },
      context: () => {
        const requestId = randomUUID();
        const context: GatewayContext = options.createContext({ requestId });
        context.events = {
          ...options.events,
          beforeEach: () => {
            context.dixa = options.createContext({ requestId }).dixa;
          },
        };
        return context;
      },
      // Same error policy as HTTP: gateway errors keep code and message, the rest is masked.
      onNext: (_ctx, _id, _payload, args, result) => {
        if (!result.errors?.length) return;
        const context = args.contextValue as GatewayContext | undefined;
        const logger = context?.logger ?? options.logger;
        for (const error of result.errors) {
          // As over HTTP (error-format.ts): the caller's mistakes at info, the unexpected at error.
          if (error.originalError instanceof GatewayError) {
            logger.info({ code: error.originalError.code, path: error.path, reason: error.originalError.message }, 'subscription request error');
          } else if (!error.extensions?.code || error.extensions.code === 'INTERNAL_SERVER_ERROR') {
            logger.error({ err: error.originalError ?? error, path: error.path }, 'subscription error');
          }
        }
        return { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) };
      },
    },
    wss,
  );

  return {
    async close() {
      server.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.terminate();
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

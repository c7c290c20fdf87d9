// The Apollo Server instance: schema, error policy, operation limits, and introspection
// (off in production unless configured). Apollo's own landing page stays off: it loads
// Apollo Sandbox from a CDN; the gateway serves its own IDE (src/http/playground.ts).
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { GatewayConfig } from '../config.js';
import type { GatewayContext } from '../context.js';
import { errorLoggingPlugin, formatError } from './error-format.js';
import { operationLimitsPlugin, type OperationCheck } from './operation-limits.js';

export function createApolloServer(
  schema: GraphQLSchema,
  config: GatewayConfig,
  operationCheck: OperationCheck,
  extraPlugins: ApolloServerPlugin<GatewayContext>[] = [],
): ApolloServer<GatewayContext> {
  return new ApolloServer<GatewayContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: config.graphql.introspection,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // main.ts shuts down on SIGINT/SIGTERM itself; Apollo's own handler would re-raise the
    // signal after stopping and kill the process midway through that shutdown.
    stopOnTerminationSignals: false,
    // No "Did you mean ..." field suggestions where introspection is off (production).
    hideSchemaDetailsFromClientErrors: !config.graphql.introspection,
    plugins: [
      // No cache hints are used; the default plugin would wrap every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      errorLoggingPlugin,
      operationLimitsPlugin(operationCheck),
      ...extraPlugins,
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
}

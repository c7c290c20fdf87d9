// Turns whatever a resolver threw into what the caller sees. Gateway errors keep their
// message and code (extensions.code from the contract); anything unexpected is masked as
// "Unexpected error" with the request id, and its detail goes only to the log.
import { unwrapResolverError } from '@apollo/server/errors';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { GatewayError } from '../errors.js';
import type { GatewayContext } from '../context.js';

const INTERNAL = 'INTERNAL_SERVER_ERROR';

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof GatewayError) {
    return { ...formatted, message: original.message, extensions: { ...original.extensions, code: original.code } };
  }
  const code = formatted.extensions?.code;
  // Apollo's own request errors (parse, validation, bad variables) are safe to show.
  if (typeof code === 'string' && code !== INTERNAL) return formatted;
  return { message: 'Unexpected error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: INTERNAL } };
}

/** Logs unexpected errors with their detail, and stamps the request id on masked ones. */
export const errorLoggingPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        for (const error of errors) {
          const original = unwrapResolverError(error);
          if (original instanceof GatewayError) {
            contextValue.logger.info({ code: original.code, path: error.path, reason: original.message }, 'request error');
          } else if (!error.extensions?.code || error.extensions.code === INTERNAL) {
            contextValue.logger.error({ err: original, path: error.path }, 'unexpected error');
          }
        }
      },
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single') return;
        for (const error of response.body.singleResult.errors ?? []) {
          if (error.extensions?.code === INTERNAL) {
            (error as { extensions: Record<string, unknown> }).extensions = { ...error.extensions, requestId: contextValue.requestId };
          }
        }
      },
    };
  },
};

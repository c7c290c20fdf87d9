// Counts GraphQL operations by type and outcome for /metrics.
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayMetrics } from '../observability/metrics.js';

export function operationMetricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, operation }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          metrics.operation(operation?.operation ?? 'unparsed', !errors || errors.length === 0);
        },
      };
    },
  };
}

// Demo mode's configuration, decided once before the gateway is built: a pure function from
// the loaded configuration and the started fake Dixa to a new, final configuration, so no
// part of the gateway reads the token, URL or secret later "because of demo mode".
// Nothing here imports the fake itself (main.ts loads it dynamically, in demo mode only).
import type { GatewayConfig } from './config.js';

export const DEMO_TOKEN = 'demo-token';

/** What main.ts learned from the fake Dixa it started, and what it made up for this run. */
export interface DemoDixa {
  apiUrl: string;
  /** The demo token's own agent, so replies and notes in the playground have someone to be sent as. */
  agentId: string | undefined;
  /** The event log's folder for this run; a configured DATA_DIR is kept instead. */
  dataDir: string | undefined;
}

export function withDemoDixa(config: GatewayConfig, demo: DemoDixa): GatewayConfig {
  return {
    ...config,
    dataDir: demo.dataDir ?? config.dataDir,
    // As DIXA_MANAGE_WEBHOOKS=true: the gateway creates the fake's webhook subscription at
    // start and adopts its secret, so the playground shows live events and syncStatus ok.
    sync: {
      ...config.sync,
      manageWebhooks: true,
      publicUrl: config.sync.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
    },
    dixa: {
      ...config.dixa,
      token: DEMO_TOKEN,
      apiUrl: demo.apiUrl,
      defaultAgentId: config.dixa.defaultAgentId ?? demo.agentId,
    },
  };
}

/** What dixaConnection and /readyz say about a gateway serving the fake. */
export const DEMO_MODE_MESSAGE =
  'Demo mode: DIXA_API_TOKEN is not set, so the gateway serves an embedded fake Dixa with generated data. Set DIXA_API_TOKEN to serve your organization.';

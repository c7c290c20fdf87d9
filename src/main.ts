// Entry point for `npm start`: configuration, demo mode (the embedded fake Dixa when no
// DIXA_API_TOKEN is set), the gateway, a start-up connection verdict, graceful shutdown.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { checkDixaConnection } from './datasources/dixa/connection-check.js';
import { startFakeDixa, type FakeDixa } from './demo/fake-dixa/index.js';
import { createLogger } from './logger.js';
import { createGateway } from './server.js';

const DEMO_TOKEN = 'demo-token';

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);

  let fake: FakeDixa | undefined;
  if (config.demo) {
    fake = await startFakeDixa();
    config.dixa.token = DEMO_TOKEN;
    config.dixa.apiUrl = fake.url;
    // The fake's data is new each run, so its events are too, unless DATA_DIR says otherwise.
    if (!process.env.DATA_DIR?.trim()) config.dataDir = mkdtempSync(join(tmpdir(), 'dixa-gateway-demo-'));
    // Replies and notes in the playground need an agent to be sent as: the token's owner.
    config.dixa.defaultAgentId ??= fake.world(DEMO_TOKEN).apiUserId;
    logger.warn({ fakeDixa: fake.url }, 'DIXA_API_TOKEN is not set: demo mode, serving an embedded fake Dixa with seeded data');
  }

  const gateway = await createGateway(config, logger);
  const url = await gateway.listen();
  logger.info({ url: `${url}/graphql` }, 'gateway listening');
  if (fake) {
    // As DIXA_MANAGE_WEBHOOKS would: the fake gets a subscription for this gateway and the
    // gateway adopts its secret, so the playground shows live events and syncStatus ok.
    config.sync.publicUrl ??= url;
    await gateway.sync.configure();
  }

  const verdict = await checkDixaConnection(gateway.datasource.forRequest(config.dixa.token as string).client);
  if (verdict.ok) logger.info({ organization: verdict.organization?.name }, 'Dixa connection ok');
  else logger.error({ errorCode: verdict.errorCode }, `Dixa connection failed: ${verdict.message}`);

  process.stdout.write(`\nGraphQL playground: ${url}/graphql${config.demo ? '  (demo mode: fake Dixa)' : ''}\n\n`);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await gateway.close();
    await fake?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`The gateway failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

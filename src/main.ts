// Entry point for `npm start`: configuration, demo mode (the embedded fake Dixa when no
// DIXA_API_TOKEN is set), the gateway, a start-up connection verdict, graceful shutdown.
// The fake is loaded only here, only in demo mode, and the configuration is final before
// the gateway is built (withDemoDixa returns a new one).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, type GatewayConfig } from './config.js';
import { DEMO_TOKEN, withDemoDixa } from './demo-mode.js';
import { TrustedDocumentsManifestError } from './graphql/trusted-documents.js';
import { ListenError } from './http/listen-error.js';
import { createLogger } from './logger.js';
import { createGateway } from './server.js';

interface Demo {
  close(): Promise<void>;
}

async function main(): Promise<void> {
  let loaded: GatewayConfig;
  try {
    loaded = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.report}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(loaded.logLevel);

  let config = loaded;
  let demo: Demo | undefined;
  // A folder made for this demo run's events, removed at shutdown.
  let demoDataDir: string | undefined;
  if (loaded.demo) {
    const fakeDixa = await import('./demo/fake-dixa/index.js');
    const fake = await fakeDixa.startFakeDixa();
    // The fake's data is new each run, so its events are too, unless DATA_DIR says otherwise.
    if (!process.env.DATA_DIR?.trim()) demoDataDir = mkdtempSync(join(tmpdir(), 'dixa-gateway-demo-'));
    config = withDemoDixa(loaded, {
      apiUrl: fake.url,
      agentId: fake.world(DEMO_TOKEN).apiUserId,
      dataDir: demoDataDir,
    });
    demo = {
      close: () => fake.close(),
    };
    logger.warn({ fakeDixa: fake.url }, 'DIXA_API_TOKEN is not set: demo mode, serving an embedded fake Dixa with seeded data');
  }
  const removeDemoData = () => {
    if (demoDataDir) rmSync(demoDataDir, { recursive: true, force: true });
  };

  let gateway: Awaited<ReturnType<typeof createGateway>>;
  let url: string;
  try {
    gateway = await createGateway(config, logger);
    url = await gateway.listen();
  } catch (error) {
    await demo?.close();
    removeDemoData();
    // Operator mistakes found at start get one line naming the setting, not a stack trace.
    if (error instanceof ListenError || error instanceof TrustedDocumentsManifestError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  logger.info({ url: `${url}/graphql` }, 'gateway listening');

  // The readiness check's own verdict (background priority, shared with the first /readyz probes).
  const verdict = await gateway.readiness.verdict();
  if (verdict.ok) logger.info({ organization: verdict.organization?.name }, 'Dixa connection ok');
  else logger.error({ errorCode: verdict.errorCode }, `Dixa connection failed: ${verdict.message}`);

  process.stdout.write(`\nGraphQL playground: ${url}/graphql${config.demo ? '  (demo mode: fake Dixa)' : ''}\n\n`);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await gateway.close();
    await demo?.close();
    removeDemoData();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`The gateway failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

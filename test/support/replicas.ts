// Several gateway replicas in one test process, as production runs them behind a load
// balancer: one fake Dixa, one private Redis (test/support/redis.ts), and N gateways that
// share them, each with its own DATA_DIR. Calls are counted in the fake's log as usual.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type GatewayConfig } from '../../src/config.js';
import { startFakeDixa, type FakeDixa, type FakeDixaOptions, type RecordedRequest } from '../../src/demo/fake-dixa/index.js';
import { createLogger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { TOKEN, postGraphQL, type GraphQLResponse } from './harness.js';
import { startRedis, type TestRedis } from './redis.js';

export interface Replica {
  gateway: Gateway;
  config: GatewayConfig;
  url: string;
}

export interface Replicas {
  fake: FakeDixa;
  redis: TestRedis;
  replicas: Replica[];
  /** A GraphQL request to replica `i`. */
  gql<T = Record<string, any>>(i: number, query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  dixaCalls(filter?: (r: RecordedRequest) => boolean): RecordedRequest[];
  resetCalls(): void;
  /** Stops replica `i` and starts a new one on the same port and DATA_DIR. */
  restart(i: number): Promise<void>;
  /** Stops replica `i` (its port refuses connections) until `restart(i)`. */
  stop(i: number): Promise<void>;
  close(): Promise<void>;
}

export interface ReplicasOptions {
  env?: Record<string, string>;
  fake?: FakeDixaOptions;
}

export async function startReplicas(count: number, options: ReplicasOptions = {}): Promise<Replicas> {
  const [fake, redis] = await Promise.all([startFakeDixa(options.fake), startRedis()]);
  const dirs: string[] = [];
  const logger = createLogger('silent');

  const configFor = (dataDir: string): GatewayConfig =>
    loadConfig({
      DIXA_API_TOKEN: TOKEN,
      DIXA_API_URL: fake.url,
      REDIS_URL: redis.url,
      GATEWAY_REPLICAS: String(count),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      DIXA_RATE_LIMIT: '1000/100',
      // As in the single-gateway harness: the prefetch's own reads would blur the call counts.
      DIXA_PREFETCH: 'off',
      ...options.env,
    });

  const launch = async (config: GatewayConfig, port = 0): Promise<Replica> => {
    const gateway = await createGateway(config, logger);
    const url = await gateway.listen(port, '127.0.0.1');
    return { gateway, config, url };
  };

  const replicas: Replica[] = [];
  const stopped = new Set<Replica>();
  const stopOne = async (replica: Replica) => {
    if (stopped.has(replica)) return;
    stopped.add(replica);
    await replica.gateway.close();
  };
  for (let i = 0; i < count; i++) {
    const dir = mkdtempSync(join(tmpdir(), `gateway-replica-${i}-`));
    dirs.push(dir);
    replicas.push(await launch(configFor(dir)));
  }

  return {
    fake,
    redis,
    replicas,
    gql(i, query, variables, headers) {
      return postGraphQL(replicas[i]!.url, query, variables, headers);
    },
    dixaCalls(filter) {
      return filter ? fake.requests.filter(filter) : [...fake.requests];
    },
    resetCalls() {
      fake.clearRequests();
    },
    async restart(i) {
      const old = replicas[i]!;
      await stopOne(old);
      replicas[i] = await launch(old.config, Number(new URL(old.url).port));
    },
    async stop(i) {
      await stopOne(replicas[i]!);
    },
    async close() {
      for (const replica of replicas) await stopOne(replica).catch(() => undefined);
      await fake.close();
      await redis.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

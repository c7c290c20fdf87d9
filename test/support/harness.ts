// Test harness: a fake Dixa on loopback and a real gateway pointed at it, talking over
// real HTTP through the real client, loaders and Apollo server.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type GatewayConfig } from '../../src/config.js';
import {
  sendWebhooks,
  startFakeDixa,
  type FakeDixa,
  type FakeDixaOptions,
  type RecordedRequest,
  type WebhookSender,
} from '../../src/demo/fake-dixa/index.js';
import { createLogger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server.js';

export const TOKEN = 'demo-token';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
  headers: Headers;
}

export interface Harness {
  fake: FakeDixa;
  gateway: Gateway;
  config: GatewayConfig;
  url: string;
  logs: string[];
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Dixa requests seen by the fake since the last reset, optionally only those matching. */
  dixaCalls(filter?: (r: RecordedRequest) => boolean): RecordedRequest[];
  resetCalls(): void;
  /** The gateway's DIXA_WEBHOOK_SECRET (generated when `webhooks` is on). */
  webhookSecret: string | undefined;
  /** The fake's webhook deliveries to the gateway, when `webhooks` is on. */
  webhooks: WebhookSender | undefined;
  /** Stops the gateway and starts a new one on the same port and DATA_DIR (`gateway` changes). */
  restart(): Promise<void>;
  /** Stops the gateway only (the fake keeps running); `start()` brings a new one up on the same port and DATA_DIR. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  fake?: FakeDixaOptions;
  /** The fake signs and delivers webhooks to the gateway on every change. */
  webhooks?: boolean;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const fake = await startFakeDixa(options.fake);
  const config = loadConfig({
    DIXA_API_TOKEN: TOKEN,
    DIXA_API_URL: fake.url,
    LOG_LEVEL: 'debug',
    // Dixa's real 10/4 limit makes every test slow; the resilience tests set it back.
    DIXA_RATE_LIMIT: '1000/100',
    // The prefetch's own reads would mix into every test's call counts; its tests turn it on.
    DIXA_PREFETCH: 'off',
    ...(options.webhooks ? { DIXA_WEBHOOK_SECRET: randomBytes(32).toString('hex') } : {}),
    ...options.env,
  });
  // Each harness keeps its event log in its own directory, removed on close.
  const ownDataDir = options.env?.DATA_DIR === undefined ? mkdtempSync(join(tmpdir(), 'gateway-test-')) : undefined;
  if (ownDataDir) config.dataDir = ownDataDir;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const gateway = await createGateway(config, logger);
  const url = await gateway.listen(0, '127.0.0.1');
  const webhooks =
    options.webhooks && config.webhookSecret
      ? sendWebhooks(fake, { url: `${url}/webhooks/dixa`, secretHex: config.webhookSecret, token: TOKEN })
      : undefined;

  let stopped = false;
  const harness: Harness = {
    fake,
    gateway,
    config,
    url,
    logs,
    webhookSecret: config.webhookSecret,
    webhooks,
    async restart() {
      await harness.stop();
      await harness.start();
    },
    async stop() {
      await harness.gateway.close();
      stopped = true;
    },
    async start() {
      harness.gateway = await createGateway(config, logger);
      stopped = false;
      await harness.gateway.listen(Number(new URL(harness.url).port), '127.0.0.1');
    },
    gql(query, variables, headers) {
      return postGraphQL(harness.url, query, variables, headers);
    },
    dixaCalls(filter) {
      return filter ? fake.requests.filter(filter) : [...fake.requests];
    },
    resetCalls() {
      fake.clearRequests();
    },
    async close() {
      await webhooks?.stop();
      if (!stopped) await harness.gateway.close();
      await fake.close();
      if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** A GraphQL POST to a gateway at `baseUrl`, as a client sends it. */
export async function postGraphQL<T = Record<string, any>>(
  baseUrl: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: any };
  return { status: res.status, data: body.data, errors: body.errors, headers: res.headers };
}

/** `/v1/conversations/12/messages` -> `/conversations/12/messages`. */
export function route(r: RecordedRequest): string {
  return r.path.replace(/^\/(v1|beta)/, '');
}

/** Counts of Dixa calls by a coarse route shape: `GET /conversations/:id/messages`. */
export function callShape(r: RecordedRequest): string {
  const path = route(r)
    .replace(/\/\d+(?=\/|$)/g, '/:id')
    .replace(/\/[0-9a-f]{8}-[0-9a-f-]{27}(?=\/|$)/gi, '/:uuid');
  return `${r.method} ${path}`;
}

export function countByShape(requests: RecordedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) {
    const shape = callShape(r);
    counts[shape] = (counts[shape] ?? 0) + 1;
  }
  return counts;
}

// startFakeDixa: the HTTP server. Per request: rate limit → auth → route → handler, then
// record the request and answer after the configured latency.

import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { FakeChange } from './changes.js';
import { FaultScript, type FaultRule, type Faults } from './faults.js';
import { TokenBuckets, type RateLimitOptions } from './rate-limit.js';
import { DixaHttpError, messages, type Reply } from './reply.js';
import { matchRoute, splitPrefix, type Route } from './router.js';
import { readRoutes } from './routes-read.js';
import { writeRoutes } from './routes-write.js';
import { seedWorld } from './seed.js';
import { recordActivity } from './activity-log.js';
import { startWebhookDispatch, type FakeWebhookDispatcher } from './webhook-dispatch.js';
import { syncRoutes } from './webhook-subscriptions.js';
import type { FakeWorld } from './world.js';

export interface FakeTenant {
  token: string;
  world: FakeWorld;
}

export interface FakeDixaOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default: one tenant, token 'demo-token', with seedWorld(). */
  tenants?: FakeTenant[];
  /** Artificial delay before every response, default 0. */
  latencyMs?: number;
  /** Dixa's per-token limit (10/s, burst 4 in production); off by default. */
  rateLimit?: RateLimitOptions;
  /**
   * How `latencyMs` and a fault's `delayMs` wait; default a real timer. Injected by tests so
   * they can check a delay by the waits asked for, not by reading the clock.
   */
  sleep?: (ms: number) => Promise<unknown>;
}

export interface RecordedRequest {
  method: string;
  /** As received, without the query string. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body, or undefined (none sent, or not valid JSON). */
  body: unknown;
  /** Raw token, `Bearer ` stripped. */
  token: string | undefined;
  status: number;
  /** Date.now() when received. */
  at: number;
}

export interface FakeDixa {
  /** 'http://127.0.0.1:<port>', no version prefix. */
  url: string;
  requests: RecordedRequest[];
  clearRequests(): void;
  stats: { tooManyRequests: number };
  world(token: string): FakeWorld;
  /** Emits 'change' with a FakeChange on every conversation write. */
  changes: EventEmitter;
  /** Scripted failures (status sequences, delays, hangs, resets, stored-then-failed writes). */
  faults: Faults;
  /** Deliveries to the subscriptions created through POST /webhooks (pause, give up, redeliver). */
  webhooks: FakeWebhookDispatcher;
  close(): Promise<void>;
}

const routes: readonly Route[] = [...syncRoutes, ...readRoutes, ...writeRoutes];

function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  const raw = /^bearer\s+/i.test(trimmed) ? trimmed.replace(/^bearer\s+/i, '') : trimmed;
  return raw === '' ? undefined : raw;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function errorReply(status: number, message: string): Reply {
  return { status, body: { message } };
}

export async function startFakeDixa(options: FakeDixaOptions = {}): Promise<FakeDixa> {
  const tenants = new Map((options.tenants ?? [{ token: 'demo-token', world: seedWorld() }]).map((t) => [t.token, t.world]));
  const buckets = options.rateLimit ? new TokenBuckets(options.rateLimit) : undefined;
  const latencyMs = options.latencyMs ?? 0;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const changes = new EventEmitter();
  const requests: RecordedRequest[] = [];
  const stats = { tooManyRequests: 0 };
  const faults = new FaultScript();

  const answer = (
    token: string | undefined,
    method: string,
    path: string,
    query: Record<string, string>,
    rawBody: string,
    fault: FaultRule | undefined,
  ): { reply: Reply; body: unknown } => {
    let body: unknown;
    let invalidJson = false;
    if (rawBody.trim() !== '') {
      try {
        body = JSON.parse(rawBody);
      } catch {
        invalidJson = true;
      }
    }
    if (buckets && !buckets.take(token ?? '')) {
      stats.tooManyRequests++;
      return { reply: errorReply(429, messages.tooManyRequests), body };
    }
    if (fault && !fault.afterHandling && fault.status !== undefined) return { reply: { status: fault.status, body: fault.body }, body };
    const world = token === undefined ? undefined : tenants.get(token);
    if (!world || token === undefined) return { reply: errorReply(401, messages.unauthorized), body };
    const split = splitPrefix(path);
    const match = split && matchRoute(routes, method, split.route);
    if (!split || !match) return { reply: errorReply(404, messages.notFound), body };
    if (invalidJson) return { reply: errorReply(400, messages.decoding), body };
    try {
      const reply = match.handler({
        world,
        token,
        params: match.params,
        query,
        body,
        prefix: split.prefix,
        route: split.route,
        emit: (change) => {
          recordActivity(world, change);
          changes.emit('change', { ...change, token } satisfies FakeChange);
        },
      });
      return { reply, body };
    } catch (error) {
      if (error instanceof DixaHttpError) return { reply: errorReply(error.status, error.message), body };
      console.error('fake-dixa: handler failed', error);
      return { reply: errorReply(500, messages.serverError), body };
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const at = Date.now();
      const url = new URL(req.url ?? '/', 'http://fake-dixa.invalid');
      const query = Object.fromEntries(url.searchParams);
      const token = tokenOf(req);
      const method = (req.method ?? 'GET').toUpperCase();
      const fault = faults.take(method, splitPrefix(url.pathname)?.route ?? url.pathname);
      let reply: Reply;
      let body: unknown;
      try {
        ({ reply, body } = answer(token, method, url.pathname, query, await readBody(req), fault));
      } catch {
        reply = errorReply(500, messages.serverError);
      }
      if (fault?.afterHandling && fault.status !== undefined) reply = { status: fault.status, body: fault.body };
      const failsSilently = fault?.hang || fault?.reset;
      requests.push({ method, path: url.pathname, query, body, token, status: failsSilently ? 0 : reply.status, at });
      if (latencyMs > 0) await sleep(latencyMs);
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault?.hang) return;
      if (fault?.reset) {
        req.socket.destroy();
        return;
      }
      if (reply.body === undefined || reply.status === 204 || reply.status === 202) {
        res.writeHead(reply.status, fault?.headers ?? {}).end();
        return;
      }
      // A string body is sent verbatim, so a fault can answer with malformed JSON.
      const payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res
        .writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), ...fault?.headers })
        .end(payload);
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const webhooks = startWebhookDispatch(changes, (token) => tenants.get(token) as FakeWorld);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    stats,
    world: (token) => {
      const world = tenants.get(token);
      if (!world) throw new Error(`fake-dixa: no tenant with token ${token}`);
      return world;
    },
    changes,
    faults,
    webhooks,
    close: () =>
      new Promise<void>((resolve, reject) => {
        webhooks.stop();
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

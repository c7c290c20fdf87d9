// Webhook ingest throughput: signed Dixa deliveries POSTed over loopback HTTP to the real
// receiver (verify -> SQLite log with synchronous=FULL -> cache refresh -> bus), N at a
// time, on a fresh DATA_DIR. Also times the bare log append for comparison.
// Run: npx tsc -p bench/tsconfig.json && node dist-bench/bench/webhook-ingest.js [events] [concurrency]
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { loadConfig } from '../src/config.js';
import { DixaCache } from '../src/datasources/dixa/dixa-cache.js';
import { signDixaWebhook } from '../src/demo/fake-dixa/webhooks.js';
import { createGatewayEvents } from '../src/events/index.js';
import { openSqliteEventLog } from '../src/events/sqlite-event-log.js';
import { createLogger } from '../src/logger.js';

const total = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 32);

function body(i: number): string {
  return JSON.stringify({
    event_id: randomUUID(),
    event_fqn: 'CONVERSATION_MESSAGE_ADDED',
    event_version: '1',
    event_timestamp: new Date().toISOString(),
    organization: { id: 'e9609fa9-efff-4fdc-a7ef-dd335f33c5f6', name: 'Bench' },
    data: {
      conversation: { csid: 1 + (i % 500), channel: 'EMAIL', status: 'OPEN', direction: 'INBOUND', requester: { id: '434ce9f5-14c8-4be1-a0a8-f755010deb9b' }, assignee: null, tags: [] },
      message_id: randomUUID(),
      text: 'Any news on my order? '.repeat(10),
      direction: 'inbound',
      channel: 'EMAIL',
    },
  });
}

async function main(): Promise<void> {
  const secret = randomBytes(32).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'ingest-bench-'));
  const config = loadConfig({ DIXA_API_TOKEN: 'bench-token', DIXA_WEBHOOK_SECRET: secret, DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const cache = DixaCache.inMemory(config.cache);
  const events = createGatewayEvents(config, createLogger('silent'), cache);
  const server = createServer((req, res) => {
    events.handleWebhook(req, res, 'bench').catch((error: unknown) => {
      res.statusCode = (error as { status?: number }).status ?? 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/dixa`;
  const dispatcher = new Agent({ connections: concurrency, pipelining: 1 });

  const bodies = Array.from({ length: total }, (_, i) => body(i));
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const raw = bodies[next++]!;
        const res = await request(url, {
          method: 'POST',
          dispatcher,
          headers: { 'content-type': 'application/json', 'x-dixa-signature': signDixaWebhook(raw, secret), 'x-dixa-subscription-id': 'bench' },
          body: raw,
        });
        await res.body.dump();
        if (res.statusCode !== 200) failures++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const stored = await events.log.head();
  await dispatcher.close();
  server.close();
  await events.close();

  // The store alone: sequential appends, one fsynced commit each.
  const bare = openSqliteEventLog(join(dataDir, 'bare'));
  const n = Math.min(total, 5000);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await bare.append({
      eventId: randomUUID(),
      rawType: 'CONVERSATION_MESSAGE_ADDED',
      conversationId: String(i % 500),
      occurredAt: new Date().toISOString(),
      receivedAt: new Date().toISOString(),
      subscriptionId: null,
      body: bodies[i]!,
    });
  }
  const bareSeconds = (performance.now() - t0) / 1000;
  await bare.close();
  rmSync(dataDir, { recursive: true, force: true });

  process.stdout.write(
    `HTTP ingest: ${total} events, concurrency ${concurrency}: ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} events/s ` +
      `(stored ${stored}, non-200 ${failures}, body ~${Buffer.byteLength(bodies[0]!)} B)\n` +
      `log append only: ${n} events: ${Math.round(n / bareSeconds)} events/s\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

// The fake Dixa for `npm run bench`, in its own process so its CPU is not the gateway's:
// 40 ms per response, Dixa's real 10/s burst-4 limit, the seeded 500/150/20 world, and
// signed webhooks to the gateway once the driver says where it listens. A small control
// endpoint lets the driver count Dixa calls per workload:
//   GET  /__bench/stats     {requests, tooManyRequests, byRoute} since the last reset
//   POST /__bench/reset     forgets the recorded requests (the 429 counter is kept; diff it)
//   GET  /__bench/world     ids the driver draws from (conversations with channel, agents)
//   POST /__bench/webhooks  {url, secretHex}: starts delivering webhooks there
//   GET  /__bench/webhook-stats
//   GET  /__bench/first-call?path=/v1/conversations/12&since=<ms>  {at}: the first such request's arrival (Date.now()), or null
// BENCH_FAKE_OPEN=N (the prefetch workloads): exactly N conversations are open or pending, the rest closed.
// Prints one line `READY {"url": ..., "control": ...}` when both servers listen.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seedWorld, sendWebhooks, startFakeDixa, type WebhookSender } from '../src/demo/fake-dixa/index.js';
import { BENCH_TOKEN, WORLD } from './settings.js';

function shapeOf(method: string, path: string): string {
  const route = path
    .replace(/^\/(v1|beta)/, '')
    .replace(/\/\d+(?=\/|$)/g, '/:id')
    .replace(/\/[0-9a-f]{8}-[0-9a-f-]{27}(?=\/|$)/gi, '/:uuid');
  return `${method} ${route}`;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
}

async function main(): Promise<void> {
  const world = seedWorld(WORLD);
  const open = process.env.BENCH_FAKE_OPEN === undefined ? undefined : Number(process.env.BENCH_FAKE_OPEN);
  if (open !== undefined) {
    let kept = 0;
    for (const conversation of world.conversations.values()) {
      if (kept < open) {
        if (conversation.state === 'Closed') conversation.state = 'Open';
        kept++;
      } else conversation.state = 'Closed';
    }
  }
  const fake = await startFakeDixa({
    latencyMs: 40,
    rateLimit: { perSecond: 10, burst: 4 },
    tenants: [{ token: BENCH_TOKEN, world }],
  });
  let webhooks: WebhookSender | undefined;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const payload = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
  };

  const control = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/__bench/stats') {
        const byRoute: Record<string, number> = {};
        for (const r of fake.requests) {
          const shape = `${shapeOf(r.method, r.path)}${r.status === 429 ? ' (429)' : ''}`;
          byRoute[shape] = (byRoute[shape] ?? 0) + 1;
        }
        send(res, 200, { requests: fake.requests.length, tooManyRequests: fake.stats.tooManyRequests, byRoute });
      } else if (req.method === 'POST' && path === '/__bench/reset') {
        fake.clearRequests();
        send(res, 200, { ok: true });
      } else if (req.method === 'GET' && path === '/__bench/world') {
        send(res, 200, {
          conversations: [...world.conversations.values()].map((c) => ({ id: c.id, channel: c.channel, state: c.state ?? null })),
          agents: [...world.agents.keys()],
          messages: [...world.messages.values()].reduce((n, list) => n + list.length, 0),
        });
      } else if (req.method === 'POST' && path === '/__bench/webhooks') {
        const body = await readJson(req);
        await webhooks?.stop();
        webhooks = sendWebhooks(fake, { url: String(body.url), secretHex: String(body.secretHex), token: BENCH_TOKEN });
        send(res, 200, { ok: true });
      } else if (req.method === 'GET' && path === '/__bench/first-call') {
        const query = new URL(req.url ?? '/', 'http://bench.invalid').searchParams;
        const since = Number(query.get('since') ?? 0);
        const first = fake.requests.find((r) => r.path === query.get('path') && r.at >= since);
        send(res, 200, { at: first?.at ?? null });
      } else if (req.method === 'GET' && path === '/__bench/webhook-stats') {
        send(res, 200, webhooks ? { ...webhooks.stats } : { delivered: 0, failed: 0 });
      } else {
        send(res, 404, { error: `no ${req.method} ${path}` });
      }
    })().catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  process.stdout.write(`READY ${JSON.stringify({ url: fake.url, control: controlUrl })}\n`);

  const shutdown = async () => {
    await webhooks?.stop();
    control.close();
    await fake.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((error: unknown) => {
  process.stderr.write(`fake-dixa-process failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

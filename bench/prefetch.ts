// Issue 14's workloads for `npm run bench` (BENCH_ONLY=prefetch runs only these):
//  (a) warm-up: from the gateway's spawn until the inbox of open conversations costs 0 Dixa
//      calls, for 60 and 300 open conversations (the fake's world trimmed with
//      BENCH_FAKE_OPEN), verified by one inbox read after the first warm-up completes;
//  (b) interactive first call: while a warm-up backlog is queued (300 open), the delay from
//      an interactive read's send to its first Dixa call's arrival at the fake, one read at a
//      time, with DIXA_PRIORITIES=off (one FIFO queue) and on.
// Each run has its own fake and gateway processes, so no cache or budget carries over.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { percentile } from './load.js';
import { gatewayEnv, getJson } from './processes.js';
import { INBOX_ROW } from './settings.js';

/** The inbox of issue 14's tests: OPEN and PENDING, first 25, everything an inbox row shows. */
export const OPEN_INBOX_QUERY = `{
  searchConversations(first: 25, filter: { states: [OPEN, PENDING] }) {
    nodes { ${INBOX_ROW} }
  }
}`;

export interface WarmupFigures {
  open: number;
  /** From spawning the gateway until its first warm-up completed (a 0-call inbox). */
  secondsFromSpawn: number;
  /** The gateway's own figure (from the end of start-up). */
  gatewaySeconds: number;
  prefetchCalls: number;
  dixaCalls: number;
  tooManyRequests: number;
  inboxCallsAfter: number;
  inboxRows: number;
}

export interface FirstCallFigures {
  priorities: 'off' | 'on';
  samples: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  /** Prefetch reads made before the samples started: the backlog was real. */
  backlogCallsBefore: number;
}

export interface PrefetchFigures {
  warmups: WarmupFigures[];
  firstCall: FirstCallFigures[];
}

interface Child {
  process: ChildProcess;
  pid: number;
  ready: Record<string, string>;
}

export interface BenchHelpers {
  root: string;
  logDir: string;
  log(message: string): void;
  spawnReady(name: string, args: string[], env: NodeJS.ProcessEnv, logDir: string): Promise<Child>;
  stop(child: ChildProcess | undefined): Promise<void>;
  freePort(): Promise<number>;
  waitReady(url: string, child: ChildProcess): Promise<void>;
}

const FIRST_CALL_SAMPLES = 20;


function metric(text: string, name: string): number {
  return Number(new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fake with `open` open conversations and a gateway on it; `env` adds to the gateway's. */
async function startPair(h: BenchHelpers, name: string, open: number, env: NodeJS.ProcessEnv) {
  const fake = await h.spawnReady(`fake-${name}`, ['dist-bench/bench/fake-dixa-process.js'], { ...process.env, BENCH_FAKE_OPEN: String(open) }, h.logDir);
  const control = fake.ready.control as string;
  const port = await h.freePort();
  const apiKey = randomBytes(24).toString('hex');
  const dataDir = join(h.logDir, `data-${name}`);
  const spawnedAt = performance.now();
  const gateway = spawn(process.execPath, ['dist/main.js'], {
    cwd: h.root,
    env: gatewayEnv(port, fake.ready.url as string, dataDir, {
      // Webhooks on: DIXA_PREFETCH defaults to open.
      DIXA_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
      GATEWAY_API_KEYS: apiKey,
      LOG_LEVEL: 'info',
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = createWriteStream(join(h.logDir, `gateway-${name}.log`));
  gateway.stdout.pipe(out);
  gateway.stderr.pipe(out);
  const url = `http://127.0.0.1:${port}`;
  await h.waitReady(url, gateway);
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  return {
    fake,
    control,
    gateway,
    url,
    spawnedAt,
    metrics: async () => (await fetch(`${url}/metrics`, { headers })).text(),
    gql: (query: string) => getJson<{ data?: any; errors?: unknown[] }>(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query }) }),
    async close() {
      await h.stop(gateway);
      await h.stop(fake.process);
    },
  };
}

async function warmup(h: BenchHelpers, open: number): Promise<WarmupFigures> {
  const pair = await startPair(h, `warmup-${open}`, open, {});
  try {
    let text = '';
    for (;;) {
      text = await pair.metrics();
      if (metric(text, 'gateway_prefetch_first_warmup_seconds') > 0) break;
      if (pair.gateway.exitCode !== null) throw new Error('the gateway exited during the warm-up');
      await sleep(100);
    }
    const secondsFromSpawn = (performance.now() - pair.spawnedAt) / 1000;
    const stats = await getJson<{ requests: number; tooManyRequests: number }>(`${pair.control}/__bench/stats`);
    await getJson(`${pair.control}/__bench/reset`, { method: 'POST' });
    const inbox = await pair.gql(OPEN_INBOX_QUERY);
    if (inbox.errors) throw new Error(`inbox after warm-up: ${JSON.stringify(inbox.errors)}`);
    const after = await getJson<{ requests: number }>(`${pair.control}/__bench/stats`);
    const figures: WarmupFigures = {
      open,
      secondsFromSpawn,
      gatewaySeconds: metric(text, 'gateway_prefetch_first_warmup_seconds'),
      prefetchCalls: metric(text, 'gateway_prefetch_calls'),
      dixaCalls: stats.requests,
      tooManyRequests: stats.tooManyRequests,
      inboxCallsAfter: after.requests,
      inboxRows: (inbox.data?.searchConversations?.nodes ?? []).length,
    };
    h.log(`prefetch warm-up, ${open} open: ${secondsFromSpawn.toFixed(1)} s from spawn (gateway: ${figures.gatewaySeconds.toFixed(1)} s), ${figures.prefetchCalls} prefetch reads, ${figures.dixaCalls} Dixa calls, 429 ${figures.tooManyRequests}; inbox then: ${figures.inboxCallsAfter} calls, ${figures.inboxRows} rows`);
    return figures;
  } finally {
    await pair.close();
  }
}

async function firstCall(h: BenchHelpers, priorities: 'off' | 'on', closedIds: number[]): Promise<FirstCallFigures> {
  const pair = await startPair(h, `first-call-${priorities}`, 300, { DIXA_PRIORITIES: priorities });
  try {
    // Let the warm-up build its backlog.
    let backlog = 0;
    while ((backlog = metric(await pair.metrics(), 'gateway_prefetch_calls')) < 30) await sleep(100);
    const delays: number[] = [];
    for (const id of closedIds.slice(0, FIRST_CALL_SAMPLES)) {
      const sentAt = Date.now();
      const res = await pair.gql(`{ conversation(id: "${id}") { id subject } }`);
      if (res.errors) throw new Error(`conversation ${id}: ${JSON.stringify(res.errors)}`);
      const { at } = await getJson<{ at: number | null }>(`${pair.control}/__bench/first-call?path=${encodeURIComponent(`/v1/conversations/${id}`)}&since=${sentAt}`);
      if (at === null) throw new Error(`no Dixa call for conversation ${id}`);
      delays.push(at - sentAt);
      await sleep(250);
    }
    const sorted = [...delays].sort((a, b) => a - b);
    const figures: FirstCallFigures = {
      priorities,
      samples: delays.length,
      medianMs: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      maxMs: sorted.at(-1) ?? NaN,
      backlogCallsBefore: backlog,
    };
    h.log(`interactive first call during warm-up, priorities ${priorities}: median ${figures.medianMs} ms, p95 ${figures.p95Ms} ms, max ${figures.maxMs} ms (${figures.samples} reads)`);
    return figures;
  } finally {
    await pair.close();
  }
}

export async function runPrefetchBench(h: BenchHelpers, closedIds: (open: number) => number[]): Promise<PrefetchFigures> {
  const warmups = [await warmup(h, 60), await warmup(h, 300)];
  const outside = closedIds(300);
  const firstCalls = [await firstCall(h, 'off', outside), await firstCall(h, 'on', outside)];
  return { warmups, firstCall: firstCalls };
}

const SECTION = '## Prefetch and priorities (issue 14)';

export function renderPrefetchSection(figures: PrefetchFigures, when: string): string {
  const lines = [SECTION, ''];
  lines.push(
    `Run ${when} with \`BENCH_ONLY=prefetch npm run bench\` (also part of a full \`npm run bench\`; bench/prefetch.ts). Each row has its own fake Dixa process (40 ms per response, 10 req/s burst 4, the 500-conversation world with exactly N conversations open or pending, the rest closed) and its own gateway (\`node dist/main.js\`, production, webhook secret set so \`DIXA_PREFETCH\` defaults to \`open\`, \`DIXA_BACKGROUND_SHARE\` 0.5).`,
    '',
    '| open conversations | from spawn to a 0-call inbox | warm-up (gateway\'s figure) | prefetch reads | Dixa calls | 429s | inbox calls after | inbox rows |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const w of figures.warmups) {
    lines.push(`| ${w.open} | ${w.secondsFromSpawn.toFixed(1)} s | ${w.gatewaySeconds.toFixed(1)} s | ${w.prefetchCalls} | ${w.dixaCalls} | ${w.tooManyRequests} | ${w.inboxCallsAfter} | ${w.inboxRows} |`);
  }
  lines.push(
    '',
    `Interactive first call during a warm-up backlog (300 open): ${FIRST_CALL_SAMPLES} reads of closed conversations (outside the prefetch set), one at a time 250 ms apart, after the prefetch had made at least 30 reads; delay = the fake's arrival time of the read's first Dixa call minus the driver's send time (same machine clock).`,
    '',
    '| limiter | median | p95 | max | prefetch reads before the first sample |',
    '|---|---:|---:|---:|---:|',
  );
  for (const c of figures.firstCall) {
    const name = c.priorities === 'off' ? 'FIFO (`DIXA_PRIORITIES=off`)' : 'priorities (default)';
    lines.push(`| ${name} | ${c.medianMs} ms | ${c.p95Ms} ms | ${c.maxMs} ms | ${c.backlogCallsBefore} |`);
  }
  lines.push('');
  return lines.join('\n');
}

/** BENCHMARKS.md with the prefetch section replaced (or added before "Before and after"). */
export function spliceSection(markdown: string, section: string): string {
  const start = markdown.indexOf(SECTION);
  if (start >= 0) {
    const next = markdown.indexOf('\n## ', start + SECTION.length);
    return markdown.slice(0, start) + section + (next >= 0 ? `\n${markdown.slice(next + 1)}` : '');
  }
  const keep = markdown.indexOf('## Before and after');
  return keep >= 0 ? markdown.slice(0, keep) + section + '\n' + markdown.slice(keep) : `${markdown.trimEnd()}\n\n${section}`;
}

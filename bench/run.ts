// `npm run bench`: the fake Dixa (own process: 40 ms latency, 10/s burst 4, 500/150/20
// world, signed webhooks), the gateway as `npm start` runs it (node dist/main.js,
// NODE_ENV=production), the engine-limit server, autocannon, and BENCHMARKS.md.
//
// Knobs (environment): BENCH_MEMORY_OPS (default 100000), BENCH_MIXED_SECONDS (60),
// BENCH_CACHE_MAX_MB (the gateway's CACHE_MAX_MB, default 16), BENCH_CPU_PROF=1 (the
// gateway runs with --cpu-prof; profiles land in bench-results/), BENCH_ONLY=a,b (run only
// these workloads: inbox,engine,detail,mixed,memory,prefetch,replicas; BENCHMARKS.md is then
// not written, except that BENCH_ONLY=prefetch replaces its own section there),
// BENCH_REPLICAS_SECONDS (30; the replicas workload needs redis-server on PATH).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, runLoad, runPaced, type LoadResult, type LoadSpec } from './load.js';
import { cpuModel, cpuMs, resetPeakRss, statusMb } from './proc-stats.js';
import { freePort, gatewayEnv, getJson, stop } from './processes.js';
import { runReplicasWorkloads } from './replicas.js';
import { renderReport, type BenchReport, type Row } from './report.js';
import { renderPrefetchSection, runPrefetchBench, spliceSection, type PrefetchFigures } from './prefetch.js';
import { detailOperation, inboxOperation, mixedPicker, MIX, seededRandom, zipfSampler, ZIPF_EXPONENT, type WorldIds } from './workloads.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = join(ROOT, 'bench-results');
const MEMORY_OPS = Number(process.env.BENCH_MEMORY_OPS ?? 100_000);
const MIXED_SECONDS = Number(process.env.BENCH_MIXED_SECONDS ?? 60);
const MIXED_WARMUP_SECONDS = 10;
const CACHE_MAX_MB = process.env.BENCH_CACHE_MAX_MB ?? '16';
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const runs = (name: string) => !ONLY || ONLY.has(name);

const WARM_RATE = 200;
const WARM_SECONDS = 15;
const MAX_SECONDS = 15;
const DETAIL_SECONDS = 15;
const CONNECTIONS = 10;
const MIXED_CONNECTIONS = 8;
const COLD_PAGES = 3;

const log = (message: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

interface Child {
  process: ChildProcess;
  pid: number;
  ready: Record<string, string>;
}

/** Spawns a node script and waits for its `READY {json}` line. */
function spawnReady(name: string, args: string[], env: NodeJS.ProcessEnv, logDir: string): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createWriteStream(join(logDir, `${name}.log`));
    child.stderr?.pipe(out);
    let buffered = '';
    let done = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      out.write(chunk);
      if (done) return;
      buffered += chunk.toString('utf8');
      const line = /^READY (.+)$/m.exec(buffered);
      if (line) {
        done = true;
        resolve({ process: child, pid: child.pid as number, ready: JSON.parse(line[1] as string) as Record<string, string> });
      }
    });
    child.once('exit', (code) => {
      if (!done) reject(new Error(`${name} exited with ${code} before it was ready; see ${join(logDir, `${name}.log`)}`));
    });
  });
}


interface FakeStats {
  requests: number;
  tooManyRequests: number;
  byRoute: Record<string, number>;
}

interface Measured {
  load: LoadResult;
  dixa?: FakeStats;
  cpuMs: number;
  peakRssMb: number;
  rssSamples: { t: number; ops: number; rssMb: number }[];
  cache?: { mb: number; entries: number };
}

async function main(): Promise<void> {
  const started = new Date();
  mkdirSync(RESULTS, { recursive: true });
  const logDir = mkdtempSync(join(tmpdir(), 'dixa-bench-'));
  const dataDir = join(logDir, 'data');
  mkdirSync(dataDir);
  log(`logs in ${logDir}`);

  let fake: Child | undefined;
  let gateway: Child | undefined;
  let engine: Child | undefined;
  const cleanup = async () => {
    await stop(engine?.process);
    await stop(gateway?.process);
    await stop(fake?.process);
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    // 1. The fake Dixa.
    fake = await spawnReady('fake-dixa', ['dist-bench/bench/fake-dixa-process.js'], { ...process.env }, logDir);
    const control = fake.ready.control as string;
    const world = await getJson<WorldIds & { agents: string[]; messages: number }>(`${control}/__bench/world`);
    log(`fake Dixa at ${fake.ready.url}: ${world.conversations.length} conversations, ${world.messages} messages, ${world.agents.length} agents`);

    // 2. The gateway, as `npm start` runs it.
    const port = await freePort();
    const secretHex = randomBytes(32).toString('hex');
    const apiKey = randomBytes(24).toString('hex');
    const env = gatewayEnv(port, fake.ready.url as string, dataDir, {
      DIXA_ACCESS: 'read-write',
      DIXA_DEFAULT_AGENT_ID: world.agents[0],
      DIXA_WEBHOOK_SECRET: secretHex,
      GATEWAY_API_KEYS: apiKey,
      LOG_LEVEL: 'warn',
      CACHE_MAX_MB,
      // These workloads measure a cold cache filled by their own reads; the prefetch has its own (bench/prefetch.ts).
      DIXA_PREFETCH: 'off',
    });
    const nodeArgs = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${RESULTS}`] : [];
    const gatewayProcess = spawn(process.execPath, [...nodeArgs, 'dist/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const gatewayLog = createWriteStream(join(logDir, 'gateway.log'));
    gatewayProcess.stdout.pipe(gatewayLog);
    gatewayProcess.stderr.pipe(gatewayLog);
    gateway = { process: gatewayProcess, pid: gatewayProcess.pid as number, ready: {} };
    const gatewayUrl = `http://127.0.0.1:${port}`;
    await waitReady(gatewayUrl, gatewayProcess);
    await getJson(`${control}/__bench/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${gatewayUrl}/webhooks/dixa`, secretHex }),
    });
    log(`gateway at ${gatewayUrl} (pid ${gateway.pid}), ready; webhooks on`);
    const headers = { authorization: `Bearer ${apiKey}` };
    const gw = gateway;

    const measure = async (
      spec: Omit<LoadSpec, 'url' | 'headers'>,
      target: { url: string; pid: number; dixa: boolean },
      paced?: { rate: number; duration: number },
    ): Promise<Measured> => {
      if (target.dixa) await getJson(`${control}/__bench/reset`, { method: 'POST' });
      const before = target.dixa ? await getJson<FakeStats>(`${control}/__bench/stats`) : undefined;
      resetPeakRss(target.pid);
      const rssSamples: Measured['rssSamples'] = [];
      const t0 = performance.now();
      const cpu0 = cpuMs(target.pid);
      const onTick = (ops: number) => rssSamples.push({ t: Math.round((performance.now() - t0) / 1000), ops, rssMb: statusMb(target.pid, 'VmRSS') });
      const load = paced
        ? await runPaced({ url: target.url, headers, pick: spec.pick, ...paced })
        : await runLoad({ ...spec, url: target.url, headers, onTick });
      const cpu = cpuMs(target.pid) - cpu0;
      const peakRssMb = statusMb(target.pid, 'VmHWM');
      rssSamples.push({ t: Math.round((performance.now() - t0) / 1000), ops: load.completed, rssMb: statusMb(target.pid, 'VmRSS') });
      let dixa: FakeStats | undefined;
      if (target.dixa && before) {
        const after = await getJson<FakeStats>(`${control}/__bench/stats`);
        dixa = { requests: after.requests, tooManyRequests: after.tooManyRequests - before.tooManyRequests, byRoute: after.byRoute };
      }
      const cache = target.dixa ? await cacheSize(target.url, headers) : undefined;
      return { load, ...(dixa ? { dixa } : {}), ...(cache ? { cache } : {}), cpuMs: cpu, peakRssMb, rssSamples };
    };
    const onGateway = { url: gatewayUrl, pid: gw.pid, dixa: true };

    const rows: Row[] = [];
    const extra: BenchReport['extra'] = {};
    const row = (name: string, note: string, m: Measured): Row => {
      const sorted = [...m.load.latenciesMs].sort((a, b) => a - b);
      const r: Row = {
        name,
        note,
        ops: m.load.completed,
        seconds: m.load.seconds,
        opsPerSecond: m.load.completed / m.load.seconds,
        dixaCalls: m.dixa?.requests,
        dixaCallsPerOp: m.dixa ? m.dixa.requests / Math.max(1, m.load.completed) : undefined,
        tooManyRequests: m.dixa?.tooManyRequests,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        cpuMsPerOp: m.cpuMs / Math.max(1, m.load.completed),
        peakRssMb: m.peakRssMb,
        errors: m.load.errors,
        kinds: m.load.kinds,
        errorsByKind: m.load.errorsByKind,
        errorSamples: m.load.errorSamples,
        byRoute: m.dixa?.byRoute ?? {},
        ...(m.cache ? { cacheMb: m.cache.mb, cacheEntries: m.cache.entries } : {}),
      };
      rows.push(r);
      log(
        `${name}: ${r.ops} ops in ${r.seconds.toFixed(1)} s = ${r.opsPerSecond.toFixed(1)}/s, Dixa ${r.dixaCalls ?? '-'} (${r.dixaCallsPerOp?.toFixed(4) ?? '-'}/op), 429 ${r.tooManyRequests ?? '-'}, ` +
          `p50/95/99 ${r.p50.toFixed(1)}/${r.p95.toFixed(1)}/${r.p99.toFixed(1)} ms, CPU ${r.cpuMsPerOp.toFixed(2)} ms/op, peak RSS ${r.peakRssMb.toFixed(0)} MB, errors ${r.errors}` +
          (r.errorSamples.length > 0 ? `\n    e.g. ${r.errorSamples[0]}` : '') +
          (Object.keys(r.byRoute).length > 0 ? `\n    Dixa calls: ${JSON.stringify(r.byRoute)}` : ''),
      );
      return r;
    };

    // 3a. Inbox, cold: the first pages of the inbox, in order, each on conversations not cached yet.
    if (runs('inbox')) {
      let cursor: string | undefined;
      const cold = await measure(
        {
          connections: 1,
          amount: COLD_PAGES,
          pick: () => inboxOperation(cursor),
          onBody: (body) => {
            cursor = (JSON.parse(body) as { data?: { searchConversations?: { pageInfo?: { endCursor?: string } } } }).data?.searchConversations?.pageInfo?.endCursor ?? undefined;
          },
        },
        onGateway,
      );
      row('inbox cold', `pages 1-${COLD_PAGES} of the inbox, one after another, cache empty`, cold);

      // 3b. Inbox, warm: page 1 again, offered at 200/s, then as fast as it goes.
      await runPaced({ url: gatewayUrl, headers, rate: WARM_RATE, duration: 3, pick: () => inboxOperation() });
      const warmPaced = await measure({ connections: CONNECTIONS, pick: () => inboxOperation() }, onGateway, { rate: WARM_RATE, duration: WARM_SECONDS });
      const warm = await measure({ connections: CONNECTIONS, duration: WARM_SECONDS, overallRate: WARM_RATE, pick: () => inboxOperation() }, onGateway);
      row('inbox warm @200/s', `page 1, ${WARM_RATE} ops/s offered evenly (bench/load.ts runPaced: one operation every ${1000 / WARM_RATE} ms, open loop, latency from the scheduled send), ${WARM_SECONDS} s after a 3 s paced warm-up`, warmPaced);
      row(
        'inbox warm @200/s (autocannon overallRate)',
        `page 1, autocannon overallRate ${WARM_RATE} over ${CONNECTIONS} connections, ${WARM_SECONDS} s: each connection sends its 20 per second back to back at the top of every second, so this is 200-operation bursts with 10 in flight, not a steady 200/s`,
        warm,
      );
      const max = await measure({ connections: CONNECTIONS, duration: MAX_SECONDS, pick: () => inboxOperation() }, onGateway);
      row('inbox warm max', `page 1, unthrottled, ${CONNECTIONS} connections, ${MAX_SECONDS} s`, max);
    }

    // 4. Engine limit: the same inbox query, bare graphql-js over the world in memory.
    if (runs('engine')) {
      engine = await spawnReady('engine-limit', ['dist-bench/bench/engine-limit-server.js'], { PATH: process.env.PATH, NODE_ENV: 'production' }, logDir);
      const onEngine = { url: engine.ready.url as string, pid: engine.pid, dixa: false };
      await runLoad({ url: onEngine.url, headers, connections: CONNECTIONS, duration: 3, pick: () => inboxOperation() });
      const limit = await measure({ connections: CONNECTIONS, duration: MAX_SECONDS, pick: () => inboxOperation() }, onEngine);
      row('engine limit (inbox)', `bench/engine-limit-server.ts, unthrottled, ${CONNECTIONS} connections, ${MAX_SECONDS} s, after a 3 s warm-up`, limit);
      await stop(engine.process);
      engine = undefined;
    }

    // 5. Detail: first every conversation once (cold; this also fills the cache the way a
    //    running gateway has it filled, which the mixed steady state needs), then Zipf-like.
    const ids = world.conversations.map((c) => c.id);
    if (runs('detail')) {
      const shuffled = [...ids];
      const random0 = seededRandom(5);
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(random0() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
      }
      let next = 0;
      const cold = await measure({ connections: MIXED_CONNECTIONS, amount: shuffled.length, pick: () => detailOperation(shuffled[next++ % shuffled.length] as number) }, onGateway);
      row('detail cold', `each of the ${shuffled.length} conversations once, in random order, ${MIXED_CONNECTIONS} connections (Dixa-bound: 10 calls/s)`, cold);
      const random = seededRandom(11);
      const nextId = zipfSampler(ids, ZIPF_EXPONENT, random);
      const detail = await measure({ connections: MIXED_CONNECTIONS, duration: DETAIL_SECONDS, pick: () => detailOperation(nextId()) }, onGateway);
      row('detail warm', `Zipf s=${ZIPF_EXPONENT} over the 500 ids (fixed seeded ranking), unthrottled, ${MIXED_CONNECTIONS} connections, ${DETAIL_SECONDS} s, after "detail cold"`, detail);
    }

    // 6. Mixed: 70/25/5 with webhooks, after a warm-up.
    const runId = randomBytes(4).toString('hex');
    if (runs('mixed')) {
      const pick = mixedPicker(world, seededRandom(23), runId);
      log(`mixed: ${MIXED_WARMUP_SECONDS} s warm-up`);
      const warmup = await runLoad({ url: gatewayUrl, headers, connections: MIXED_CONNECTIONS, duration: MIXED_WARMUP_SECONDS, pick });
      extra.mixedWarmup = { ops: warmup.completed, errors: warmup.errors, seconds: warmup.seconds };
      const hooks0 = await getJson<{ delivered: number; failed: number }>(`${control}/__bench/webhook-stats`);
      const mixed = await measure({ connections: MIXED_CONNECTIONS, duration: MIXED_SECONDS, pick }, onGateway);
      const hooks1 = await getJson<{ delivered: number; failed: number }>(`${control}/__bench/webhook-stats`);
      row(
        'mixed',
        `${MIX.inbox * 100}% inbox / ${MIX.detail * 100}% detail / ${MIX.reply * 100}% reply, unthrottled, ${MIXED_CONNECTIONS} connections, ${MIXED_SECONDS} s measured after a ${MIXED_WARMUP_SECONDS} s warm-up`,
        mixed,
      );
      extra.mixedRss = mixed.rssSamples;
      extra.webhooks = { delivered: hooks1.delivered - hooks0.delivered, failed: hooks1.failed - hooks0.failed };
      log(`mixed: webhooks delivered ${extra.webhooks.delivered}, failed ${extra.webhooks.failed}; kinds ${JSON.stringify(mixed.load.kinds)}`);
    }

    // 7. Memory: a long run with RSS sampled every second.
    if (runs('memory')) {
      log(`memory: ${MEMORY_OPS} warm inbox operations`);
      const memory = await measure({ connections: CONNECTIONS, amount: MEMORY_OPS, pick: () => inboxOperation() }, onGateway);
      row('memory (warm inbox)', `${MEMORY_OPS} warm inbox operations, unthrottled, ${CONNECTIONS} connections, CACHE_MAX_MB=${CACHE_MAX_MB}`, memory);
      extra.memoryRss = memory.rssSamples;
      extra.memoryEndRssMb = memory.rssSamples.at(-1)?.rssMb;
    }

    // 8. Prefetch and priorities (issue 14): own fake and gateway processes per run.
    let prefetch: PrefetchFigures | undefined;
    if (runs('prefetch')) {
      prefetch = await runPrefetchBench({ root: ROOT, logDir, log, spawnReady, stop, freePort, waitReady }, (open) =>
        world.conversations.slice(open).map((c) => c.id),
      );
      writeFileSync(join(RESULTS, 'prefetch.json'), JSON.stringify(prefetch, null, 2));
    }

    // 9. Replicas (issue 12): the mixed workload over 1 and 3 gateways sharing one Redis.
    if (runs('replicas')) {
      if (!hasRedisServer()) {
        log('replicas: SKIPPED, no redis-server on PATH (apt-get install redis-server)');
      } else {
        await runReplicasWorkloads({
          root: ROOT,
          logDir,
          fakeUrl: fake.ready.url as string,
          control,
          world,
          apiKey,
          secretHex,
          runId,
          cacheMaxMb: CACHE_MAX_MB,
          row: (name, note, measured) => void row(name, note, measured),
          log,
        });
      }
    }

    const finished = new Date();
    const report: BenchReport = {
      machine: { cores: cpus().length, model: cpuModel(), node: process.version },
      command: 'npm run bench',
      started: started.toISOString(),
      minutes: (finished.getTime() - started.getTime()) / 60_000,
      settings: { cacheMaxMb: CACHE_MAX_MB, zipf: ZIPF_EXPONENT, memoryOps: MEMORY_OPS, mixedSeconds: MIXED_SECONDS, mixedWarmupSeconds: MIXED_WARMUP_SECONDS },
      rows,
      extra,
    };
    writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(report, null, 2));
    if (!ONLY) {
      const file = join(ROOT, 'BENCHMARKS.md');
      const previous = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
      const rendered = renderReport(report, previous);
      writeFileSync(file, prefetch ? spliceSection(rendered, renderPrefetchSection(prefetch, report.started)) : rendered);
      log(`wrote BENCHMARKS.md (${report.minutes.toFixed(1)} min)`);
    } else if (prefetch && ONLY.size === 1) {
      const file = join(ROOT, 'BENCHMARKS.md');
      writeFileSync(file, spliceSection(readFileSync(file, 'utf8'), renderPrefetchSection(prefetch, report.started)));
      log('BENCH_ONLY=prefetch: replaced its section of BENCHMARKS.md');
    } else {
      log(`BENCH_ONLY set: results in bench-results/latest.json only`);
    }
  } finally {
    await cleanup();
    if (!process.env.BENCH_KEEP_LOGS) rmSync(dataDir, { recursive: true, force: true });
  }
}

function hasRedisServer(): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, 'redis-server')));
}

/** The shared cache's size from the gateway's /metrics (approximate bytes as the cache counts them). */
async function cacheSize(url: string, headers: Record<string, string>): Promise<{ mb: number; entries: number } | undefined> {
  try {
    const res = await fetch(`${url}/metrics`, { headers });
    const text = await res.text();
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
    const bytes = value('gateway_cache_bytes');
    return Number.isNaN(bytes) ? undefined : { mb: bytes / 1024 / 1024, entries: value('gateway_cache_entries') };
  } catch {
    return undefined;
  }
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode} during start-up`);
    try {
      const res = await fetch(`${url}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the gateway did not become ready within 60 s');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

// The replicas workload of `npm run bench` (issue 12): the mixed workload over 1 and over 3
// gateway processes sharing one private redis-server (REDIS_URL) and the bench's fake Dixa,
// each configuration from a cold start (fresh processes, empty Redis), with the same seeded
// operation stream spread evenly over the replicas (as a round-robin load balancer would).
// Reports Dixa calls per operation (goal: 3 replicas ≤ 1.05× of 1), 429s (goal 0), ops/s
// and p99; and the warm inbox's throughput on a gateway with Redis (two cache levels when
// the branch has them) against one without (first level only), plus what the inbox costs a
// replica started after the others filled Redis. Runs whatever the build has: with no
// shared rate budget or second cache level the figures show that.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { runLoad, type LoadResult } from './load.js';
import { freePort, gatewayEnv, getJson, stop } from './processes.js';
import { cpuMs, resetPeakRss, statusMb } from './proc-stats.js';
import { inboxOperation, mixedPicker, seededRandom, type WorldIds } from './workloads.js';

export const REPLICAS_SECONDS = Number(process.env.BENCH_REPLICAS_SECONDS ?? 30);
const WARMUP_SECONDS = 10;
const INBOX_SECONDS = 10;
/** Connections in all, split evenly over the replicas. */
const CONNECTIONS = 9;

/** What run.ts's `row` takes (its Measured). */
export interface ReplicaMeasured {
  load: LoadResult;
  dixa?: { requests: number; tooManyRequests: number; byRoute: Record<string, number> };
  cpuMs: number;
  peakRssMb: number;
  rssSamples: { t: number; ops: number; rssMb: number }[];
}

export interface ReplicasBenchDeps {
  root: string;
  logDir: string;
  fakeUrl: string;
  control: string;
  world: WorldIds & { agents: string[] };
  apiKey: string;
  secretHex: string;
  runId: string;
  cacheMaxMb: string;
  /** Records a result row (run.ts: the Results table and BENCHMARKS.md). */
  row: (name: string, note: string, measured: ReplicaMeasured) => void;
  log: (message: string) => void;
}


interface Gateway {
  url: string;
  pid: number;
  child: ChildProcess;
}

export async function runReplicasWorkloads(deps: ReplicasBenchDeps): Promise<void> {
  const { log } = deps;
  const headers = { authorization: `Bearer ${deps.apiKey}` };
  const redisDir = mkdtempSync(join(tmpdir(), 'dixa-bench-redis-'));
  const redisPort = await freePort();
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'], {
    stdio: 'ignore',
  });
  const admin = createClient({ url: redisUrl, socket: { reconnectStrategy: (retries) => (retries > 100 ? new Error('redis-server did not start') : 20) } });
  const running: Gateway[] = [];

  const startGateway = async (name: string, env: Record<string, string>): Promise<Gateway> => {
    const port = await freePort();
    const dataDir = join(deps.logDir, `data-${name}`);
    mkdirSync(dataDir, { recursive: true });
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: deps.root,
      env: gatewayEnv(port, deps.fakeUrl, dataDir, {
        DIXA_ACCESS: 'read-write',
        DIXA_DEFAULT_AGENT_ID: deps.world.agents[0],
        DIXA_WEBHOOK_SECRET: deps.secretHex,
        // As the other workloads: a cold cache filled by the workload's own reads (the prefetch has its own bench).
        DIXA_PREFETCH: 'off',
        GATEWAY_API_KEYS: deps.apiKey,
        LOG_LEVEL: 'warn',
        CACHE_MAX_MB: deps.cacheMaxMb,
        ...env,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = createWriteStream(join(deps.logDir, `gateway-${name}.log`));
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`gateway ${name} exited with ${child.exitCode}; see ${join(deps.logDir, `gateway-${name}.log`)}`);
      if (Date.now() > deadline) throw new Error(`gateway ${name} did not become ready within 60 s`);
      const status = await fetch(`${url}/readyz`)
        .then(async (res) => (await res.arrayBuffer(), res.status))
        .catch(() => 0);
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const gateway = { url, pid: child.pid as number, child };
    running.push(gateway);
    return gateway;
  };
  const stopAll = async () => {
    for (const gateway of running.splice(0)) await stop(gateway.child);
  };

  /** One load spread over the gateways (CONNECTIONS split evenly), Dixa calls and 429s counted at the fake. */
  const measure = async (gateways: Gateway[], spec: { duration?: number; amount?: number; pick: () => ReturnType<typeof inboxOperation> }, counted = true): Promise<ReplicaMeasured> => {
    if (counted) await getJson(`${deps.control}/__bench/reset`, { method: 'POST' });
    const before = counted ? await getJson<{ tooManyRequests: number }>(`${deps.control}/__bench/stats`) : undefined;
    for (const g of gateways) resetPeakRss(g.pid);
    const cpu0 = gateways.map((g) => cpuMs(g.pid));
    const share = Math.floor(CONNECTIONS / gateways.length);
    const loads = await Promise.all(
      gateways.map((g, i) =>
        runLoad({
          url: g.url,
          headers,
          connections: spec.amount !== undefined ? Math.max(1, Math.min(share, Math.floor(spec.amount / gateways.length))) : share,
          ...(spec.duration !== undefined ? { duration: spec.duration } : {}),
          ...(spec.amount !== undefined ? { amount: i === 0 ? spec.amount - Math.floor(spec.amount / gateways.length) * (gateways.length - 1) : Math.floor(spec.amount / gateways.length) } : {}),
          pick: spec.pick,
        }),
      ),
    );
    const load: LoadResult = {
      completed: loads.reduce((n, l) => n + l.completed, 0),
      seconds: Math.max(...loads.map((l) => l.seconds)),
      latenciesMs: loads.flatMap((l) => l.latenciesMs),
      errors: loads.reduce((n, l) => n + l.errors, 0),
      errorSamples: loads.flatMap((l) => l.errorSamples).slice(0, 5),
      kinds: {},
      errorsByKind: {},
      timeouts: loads.reduce((n, l) => n + l.timeouts, 0),
    };
    for (const l of loads) {
      for (const [kind, n] of Object.entries(l.kinds)) load.kinds[kind] = (load.kinds[kind] ?? 0) + n;
      for (const [kind, n] of Object.entries(l.errorsByKind)) load.errorsByKind[kind] = (load.errorsByKind[kind] ?? 0) + n;
    }
    const cpu = gateways.reduce((sum, g, i) => sum + cpuMs(g.pid) - (cpu0[i] as number), 0);
    const peakRssMb = Math.max(...gateways.map((g) => statusMb(g.pid, 'VmHWM')));
    let dixa: ReplicaMeasured['dixa'];
    if (before) {
      const after = await getJson<{ requests: number; tooManyRequests: number; byRoute: Record<string, number> }>(`${deps.control}/__bench/stats`);
      dixa = { requests: after.requests, tooManyRequests: after.tooManyRequests - before.tooManyRequests, byRoute: after.byRoute };
    }
    return { load, ...(dixa ? { dixa } : {}), cpuMs: cpu, peakRssMb, rssSamples: [] };
  };

  try {
    await admin.connect();
    for (const count of [1, 3]) {
      await admin.flushAll();
      const gateways: Gateway[] = [];
      for (let i = 0; i < count; i++) gateways.push(await startGateway(`x${count}-${i + 1}`, { REDIS_URL: redisUrl, GATEWAY_REPLICAS: String(count) }));
      // Dixa delivers to one address (the load balancer's); here replica 1.
      await getJson(`${deps.control}/__bench/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `${gateways[0]!.url}/webhooks/dixa`, secretHex: deps.secretHex }) });
      const pick = mixedPicker(deps.world, seededRandom(31), `${deps.runId}-x${count}`);
      log(`replicas x${count}: ${WARMUP_SECONDS} s warm-up, then ${REPLICAS_SECONDS} s measured`);
      const warmup = await measure(gateways, { duration: WARMUP_SECONDS, pick });
      const mixed = await measure(gateways, { duration: REPLICAS_SECONDS, pick });
      deps.row(
        `replicas: mixed x${count} (Redis)`,
        `the mixed workload over ${count} gateway process${count > 1 ? 'es' : ''} sharing one redis-server (REDIS_URL, GATEWAY_REPLICAS=${count}), cold start (empty Redis, new processes), ${CONNECTIONS} connections split evenly, ${REPLICAS_SECONDS} s measured after a ${WARMUP_SECONDS} s warm-up (which cost ${warmup.dixa?.requests ?? '?'} Dixa calls and ${warmup.dixa?.tooManyRequests ?? '?'} 429s for ${warmup.load.completed} operations)`,
        mixed,
      );
      await stopAll();
    }

    // Warm inbox: one gateway with Redis against one without, each after a cold pass.
    await admin.flushAll();
    const withRedis = await startGateway('inbox-redis', { REDIS_URL: redisUrl, GATEWAY_REPLICAS: '1' });
    await measure([withRedis], { amount: 1, pick: () => inboxOperation() }, false);
    const twoLevels = await measure([withRedis], { duration: INBOX_SECONDS, pick: () => inboxOperation() });
    deps.row('replicas: inbox warm max, with Redis', `page 1, unthrottled, ${CONNECTIONS} connections, ${INBOX_SECONDS} s, one gateway with REDIS_URL (in-process first level, Redis second level when built) after one cold pass`, twoLevels);
    // A replica started now finds what the first one put in Redis (when the build shares its cache there).
    const late = await startGateway('inbox-late', { REDIS_URL: redisUrl, GATEWAY_REPLICAS: '2' });
    const lateFirst = await measure([late], { amount: 1, pick: () => inboxOperation() });
    deps.row('replicas: inbox on a replica started after Redis was filled', 'page 1 once, on a new gateway process sharing the Redis the previous row filled: its first-level cache is empty', lateFirst);
    await stopAll();
    const alone = await startGateway('inbox-local', {});
    await measure([alone], { amount: 1, pick: () => inboxOperation() }, false);
    const oneLevel = await measure([alone], { duration: INBOX_SECONDS, pick: () => inboxOperation() });
    deps.row('replicas: inbox warm max, first level only', `page 1, unthrottled, ${CONNECTIONS} connections, ${INBOX_SECONDS} s, one gateway without REDIS_URL after one cold pass`, oneLevel);
  } finally {
    await stopAll();
    await admin.quit().catch(() => undefined);
    await stop(redisServer);
    rmSync(redisDir, { recursive: true, force: true });
  }
}

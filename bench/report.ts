// BENCHMARKS.md from one bench run. Whatever follows the "## Before and after" heading of
// the previous file is kept (hand-written notes on what changed between runs).

export interface Row {
  name: string;
  note: string;
  ops: number;
  seconds: number;
  opsPerSecond: number;
  dixaCalls: number | undefined;
  dixaCallsPerOp: number | undefined;
  tooManyRequests: number | undefined;
  p50: number;
  p95: number;
  p99: number;
  cpuMsPerOp: number;
  peakRssMb: number;
  errors: number;
  kinds: Record<string, number>;
  errorsByKind: Record<string, number>;
  errorSamples: string[];
  byRoute: Record<string, number>;
  /** The gateway's shared cache after the workload (its /metrics). */
  cacheMb?: number;
  cacheEntries?: number;
}

export interface RssSample {
  t: number;
  ops: number;
  rssMb: number;
}

export interface BenchReport {
  machine: { cores: number; model: string; node: string };
  command: string;
  started: string;
  minutes: number;
  settings: { cacheMaxMb: string; zipf: number; memoryOps: number; mixedSeconds: number; mixedWarmupSeconds: number };
  rows: Row[];
  extra: {
    mixedWarmup?: { ops: number; errors: number; seconds: number };
    mixedRss?: RssSample[];
    webhooks?: { delivered: number; failed: number };
    memoryRss?: RssSample[];
    memoryEndRssMb?: number | undefined;
  };
}

const KEEP_HEADING = '## Before and after';

const f = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));

export interface Flatness {
  q3: number;
  q4: number;
  /** MB per 10,000 operations over the last half, least squares. */
  slopePer10k: number;
  flat: boolean;
}

export function flatness(samples: RssSample[]): Flatness | undefined {
  if (samples.length < 8) return undefined;
  const n = samples.length;
  const mean = (xs: RssSample[]) => xs.reduce((s, x) => s + x.rssMb, 0) / xs.length;
  const q3 = mean(samples.slice(Math.floor(n / 2), Math.floor((3 * n) / 4)));
  const q4 = mean(samples.slice(Math.floor((3 * n) / 4)));
  const half = samples.slice(Math.floor(n / 2));
  const mx = half.reduce((s, x) => s + x.ops, 0) / half.length;
  const my = mean(half);
  const sxx = half.reduce((s, x) => s + (x.ops - mx) ** 2, 0);
  const sxy = half.reduce((s, x) => s + (x.ops - mx) * (x.rssMb - my), 0);
  const slopePer10k = sxx === 0 ? 0 : (sxy / sxx) * 10_000;
  // Flat: the 4th quarter's mean within 3 MB (or 3 %) of the 3rd's.
  return { q3, q4, slopePer10k, flat: q4 - q3 <= Math.max(3, 0.03 * q3) };
}

export function renderReport(report: BenchReport, previous: string | undefined): string {
  const row = (name: string) => report.rows.find((r) => r.name === name);
  const lines: string[] = [];
  lines.push('# Benchmarks', '');
  lines.push(
    'Written by `npm run bench` (bench/run.ts); do not edit above "Before and after". Issue 7: Dixa calls per operation, latency, throughput and memory, against the engine\'s own limit.',
    '',
  );
  lines.push(
    `- **Machine**: ${report.machine.cores} cores, ${report.machine.model}, Node ${report.machine.node}`,
    `- **Command**: \`${report.command}\` (builds \`dist/\` and \`dist-bench/\`, then runs \`node dist-bench/bench/run.js\`)`,
    `- **Date**: ${report.started} (run took ${report.minutes.toFixed(1)} min)`,
    `- **Setup**: fake Dixa in its own process (40 ms per response, 10 req/s burst 4 per token, seeded world of 500 conversations, 150 customers, 20 agents, signed webhooks to the gateway on every change); the gateway as \`npm start\` runs it (\`node dist/main.js\`, \`NODE_ENV=production\`, read-write, webhook secret, gateway API key, \`LOG_LEVEL=warn\`, \`CACHE_MAX_MB=${report.settings.cacheMaxMb}\`, other settings default); autocannon in the driver process, keep-alive, no pipelining. All three processes share the 2 cores.`,
    `- **Measures**: Dixa calls = requests the fake received during the workload; 429s = the fake's 429 answers; latency percentiles over every response time (autocannon's \`response\` event, not corrected for coordinated omission; the evenly paced row counts from each operation's scheduled send, so it is); CPU = the measured process's utime+stime delta from /proc over operations; peak RSS = VmHWM during the workload (reset before each workload via clear_refs); errors = non-200 answers, GraphQL \`errors\` and socket errors/timeouts.`,
    '',
  );

  lines.push('## Results', '');
  lines.push('| workload | ops | ops/s | Dixa calls/op (calls) | 429s | p50 ms | p95 ms | p99 ms | CPU ms/op | peak RSS MB | errors |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of report.rows) {
    const calls = r.dixaCalls === undefined ? 'n/a (no Dixa)' : `${f(r.dixaCallsPerOp, r.dixaCallsPerOp !== undefined && r.dixaCallsPerOp < 1 ? 4 : 1)} (${r.dixaCalls})`;
    lines.push(
      `| ${r.name} | ${r.ops} | ${f(r.opsPerSecond)} | ${calls} | ${r.tooManyRequests ?? 'n/a'} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${f(r.cpuMsPerOp, 2)} | ${f(r.peakRssMb, 0)} | ${r.errors} |`,
    );
  }
  lines.push('');
  for (const r of report.rows) {
    const kinds = Object.keys(r.kinds).length > 1 ? `; operations by kind ${JSON.stringify(r.kinds)}` : '';
    const errs = r.errors > 0 ? `; errors by kind ${JSON.stringify(r.errorsByKind)}, e.g. \`${(r.errorSamples[0] ?? '').replace(/`/g, "'").slice(0, 200)}\`` : '';
    const routes = Object.keys(r.byRoute).length > 0 ? `; Dixa calls by route ${JSON.stringify(r.byRoute)}` : '';
    const cache = r.cacheMb !== undefined ? `; cache after it: ${r.cacheEntries} entries, ${r.cacheMb.toFixed(2)} MB as the cache counts it (JSON length)` : '';
    lines.push(`- **${r.name}**: ${r.note}${kinds}${routes}${cache}${errs}.`);
  }
  if (report.extra.mixedWarmup) {
    const w = report.extra.mixedWarmup;
    lines.push(`- The mixed warm-up (same mix, not measured): ${w.ops} operations in ${w.seconds.toFixed(0)} s, ${w.errors} errors.`);
  }
  if (report.extra.webhooks) lines.push(`- Webhooks during the measured mixed run: ${report.extra.webhooks.delivered} delivered, ${report.extra.webhooks.failed} failed.`);
  lines.push('');

  // Targets.
  const warm = row('inbox warm @200/s');
  const max = row('inbox warm max');
  const engine = row('engine limit (inbox)');
  const mixed = row('mixed');
  const memory = row('memory (warm inbox)');
  const flat = report.extra.memoryRss ? flatness(report.extra.memoryRss) : undefined;
  const yes = (ok: boolean | undefined) => (ok === undefined ? 'not run' : ok ? '**met**' : '**missed**');
  lines.push('## Targets', '');
  lines.push('| target | measured | met? |', '|---|---|---|');
  if (warm) {
    lines.push(`| inbox warm: 0 Dixa calls | ${warm.dixaCalls} calls in ${warm.ops} ops (${JSON.stringify(warm.byRoute)}) | ${yes(warm.dixaCalls === 0)} |`);
    const bursty = row('inbox warm @200/s (autocannon overallRate)');
    const alsoBursty = bursty ? ` (autocannon overallRate's 1-s bursts: p99 ${f(bursty.p99)} ms)` : '';
    lines.push(`| inbox warm: p99 ≤ 25 ms at 200 ops/s offered | p99 ${f(warm.p99)} ms at ${f(warm.opsPerSecond)} ops/s, evenly paced${alsoBursty} | ${yes(warm.p99 <= 25 && warm.opsPerSecond >= 190)} |`);
  }
  if (max && engine) {
    const ratio = max.opsPerSecond / engine.opsPerSecond;
    lines.push(`| warm inbox throughput ≥ 60% of the engine limit | ${f(max.opsPerSecond)} / ${f(engine.opsPerSecond)} ops/s = ${f(ratio * 100, 0)}% | ${yes(ratio >= 0.6)} |`);
  }
  if (mixed) {
    lines.push(`| mixed: ≤ 0.1 Dixa calls per operation | ${f(mixed.dixaCallsPerOp, 4)} (${mixed.dixaCalls} calls / ${mixed.ops} ops) | ${yes((mixed.dixaCallsPerOp ?? Infinity) <= 0.1)} |`);
    lines.push(`| mixed: zero 429s | ${mixed.tooManyRequests} | ${yes(mixed.tooManyRequests === 0)} |`);
    lines.push(`| mixed: ≥ 80 ops/s sustained (${report.settings.mixedSeconds} s) | ${f(mixed.opsPerSecond)} ops/s, ${mixed.errors} errors | ${yes(mixed.opsPerSecond >= 80 && mixed.errors === 0)} |`);
  }
  if (memory) {
    const end = report.extra.memoryEndRssMb;
    const bound = memory.cacheMb !== undefined ? `; cache ${memory.cacheMb.toFixed(2)} MB of its ${report.settings.cacheMaxMb} MB bound` : '';
    lines.push(`| RSS ≤ 200 MB after ${memory.ops} ops | ${f(end, 0)} MB at the end (peak ${f(memory.peakRssMb, 0)} MB${bound}) | ${yes(end !== undefined && end <= 200 && memory.ops >= 100_000)} |`);
    if (flat) {
      lines.push(
        `| RSS flat over the last half | 3rd quarter mean ${f(flat.q3)} MB, 4th ${f(flat.q4)} MB; slope ${f(flat.slopePer10k, 2)} MB per 10k ops | ${yes(flat.flat)} |`,
      );
    }
  }
  const one = row('replicas: mixed x1 (Redis)');
  const three = row('replicas: mixed x3 (Redis)');
  if (one && three) {
    const ratio = (three.dixaCallsPerOp ?? Infinity) / (one.dixaCallsPerOp ?? Infinity);
    lines.push(`| replicas: Dixa calls per operation, 3 replicas ≤ 1.05× of 1 | ${f(three.dixaCallsPerOp, 4)} / ${f(one.dixaCallsPerOp, 4)} = ${f(ratio, 2)}× | ${yes(ratio <= 1.05)} |`);
    lines.push(`| replicas: zero 429s | 1 replica ${one.tooManyRequests}, 3 replicas ${three.tooManyRequests} | ${yes(one.tooManyRequests === 0 && three.tooManyRequests === 0)} |`);
  }
  lines.push('');

  if (report.extra.mixedRss) {
    lines.push('## RSS over time, mixed', '');
    lines.push('Gateway VmRSS, seconds into the measured run: ' + sampleList(report.extra.mixedRss, 5) + '.', '');
  }
  if (report.extra.memoryRss && memory) {
    lines.push('## RSS over time, memory run', '');
    lines.push(`Gateway VmRSS by operations completed (run ${memory.seconds.toFixed(0)} s): ` + sampleList(report.extra.memoryRss, Math.max(1, Math.ceil(report.extra.memoryRss.length / 20)), true) + '.', '');
  }

  const kept = previous && previous.includes(KEEP_HEADING) ? previous.slice(previous.indexOf(KEEP_HEADING)).trimEnd() : `${KEEP_HEADING}\n\n(Notes on changes between runs go here; \`npm run bench\` keeps this section.)`;
  lines.push(kept, '');
  return lines.join('\n');
}

function sampleList(samples: RssSample[], every: number, byOps = false): string {
  const picked = samples.filter((_, i) => i % every === 0 || i === samples.length - 1);
  return picked.map((s) => (byOps ? `${Math.round(s.ops / 1000)}k: ${s.rssMb.toFixed(0)} MB` : `${s.t} s: ${s.rssMb.toFixed(0)} MB`)).join(', ');
}

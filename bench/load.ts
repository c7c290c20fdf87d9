// One autocannon run: each request is picked by `pick` (via setupRequest), every response
// time is kept (autocannon's histogram has no p95), and GraphQL errors in 200 answers are
// counted as errors too.
import autocannon from 'autocannon';

export interface Operation {
  kind: string;
  body: string;
}

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  connections: number;
  /** Seconds; or `amount` operations in all. */
  duration?: number;
  amount?: number;
  /** Operations offered per second over all connections (open-ish loop); default unthrottled. */
  overallRate?: number;
  pick: () => Operation;
  /** Called with each response body (cold inbox follows endCursor with it). */
  onBody?: (body: string, kind: string) => void;
  /** Called about once a second while the load runs. */
  onTick?: (completed: number) => void;
}

export interface LoadResult {
  completed: number;
  seconds: number;
  latenciesMs: number[];
  errors: number;
  errorSamples: string[];
  kinds: Record<string, number>;
  errorsByKind: Record<string, number>;
  timeouts: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const kinds: Record<string, number> = {};
  const errorsByKind: Record<string, number> = {};
  const errorSamples: string[] = [];
  let errors = 0;

  let finish: (result: autocannon.Result) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const instance = autocannon({
    url: `${spec.url}/graphql`,
    connections: spec.connections,
    pipelining: 1,
    timeout: 60,
    ...(spec.duration !== undefined ? { duration: spec.duration } : {}),
    ...(spec.amount !== undefined ? { amount: spec.amount } : {}),
    ...(spec.overallRate !== undefined ? { overallRate: spec.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: '/graphql',
        setupRequest: (request: any, context: any) => {
          const op = spec.pick();
          context.kind = op.kind;
          return { ...request, method: 'POST', path: '/graphql', headers: { ...spec.headers, 'content-type': 'application/json' }, body: op.body };
        },
        onResponse: (status: number, body: string, context: any) => {
          const kind = String(context.kind);
          kinds[kind] = (kinds[kind] ?? 0) + 1;
          const failed = status !== 200 || body.includes('"errors":[');
          if (failed) {
            errors++;
            errorsByKind[kind] = (errorsByKind[kind] ?? 0) + 1;
            if (errorSamples.length < 5) errorSamples.push(`${kind} ${status}: ${body.slice(0, 300)}`);
          }
          spec.onBody?.(body, kind);
        },
      } as any,
    ],
  }, (error, result) => (error ? fail(error as Error) : finish(result)));
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latenciesMs.push(responseTime);
  });
  const ticker = spec.onTick ? setInterval(() => spec.onTick?.(latenciesMs.length), 1000) : undefined;
  const started = performance.now();
  const result = await finished;
  const seconds = (performance.now() - started) / 1000;
  if (ticker) clearInterval(ticker);
  return {
    completed: latenciesMs.length,
    seconds,
    latenciesMs,
    errors: errors + result.errors,
    errorSamples,
    kinds,
    errorsByKind,
    timeouts: result.timeouts,
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

/**
 * An open loop at a steady rate: operation i is sent at start + i/rate whatever the answers
 * before it (several in flight when needed), and its latency counts from that scheduled
 * moment, so a stall shows up in the percentiles (no coordinated omission). Unlike
 * autocannon's overallRate, which lets each connection send its share of a second back to
 * back at the top of every second, this spreads the operations evenly.
 */
export async function runPaced(spec: { url: string; headers: Record<string, string>; rate: number; duration: number; pick: () => Operation }): Promise<LoadResult> {
  const { Pool } = await import('undici');
  const pool = new Pool(spec.url, { connections: 64, pipelining: 1 });
  const latenciesMs: number[] = [];
  const kinds: Record<string, number> = {};
  const errorsByKind: Record<string, number> = {};
  const errorSamples: string[] = [];
  let errors = 0;
  const total = Math.round(spec.rate * spec.duration);
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / spec.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const op = spec.pick();
    pending.push(
      (async () => {
        try {
          const res = await pool.request({ method: 'POST', path: '/graphql', headers: { ...spec.headers, 'content-type': 'application/json' }, body: op.body });
          const body = await res.body.text();
          latenciesMs.push(performance.now() - due);
          kinds[op.kind] = (kinds[op.kind] ?? 0) + 1;
          if (res.statusCode !== 200 || body.includes('"errors":[')) {
            errors++;
            errorsByKind[op.kind] = (errorsByKind[op.kind] ?? 0) + 1;
            if (errorSamples.length < 5) errorSamples.push(`${op.kind} ${res.statusCode}: ${body.slice(0, 300)}`);
          }
        } catch (error) {
          errors++;
          if (errorSamples.length < 5) errorSamples.push(`${op.kind}: ${String(error)}`);
        }
      })(),
    );
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { completed: latenciesMs.length, seconds, latenciesMs, errors, errorSamples, kinds, errorsByKind, timeouts: 0 };
}

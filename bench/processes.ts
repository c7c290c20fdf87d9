// What the bench's workloads share for driving processes: a free loopback port, a gateway's
// environment as `npm start` runs it in production, stopping a child (SIGTERM, then SIGKILL
// after 10 s), and a JSON request that fails loudly.
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { BENCH_TOKEN } from './settings.js';

/** A production gateway on `port` against the bench's fake Dixa; `settings` adds or overrides variables. */
export function gatewayEnv(port: number, dixaUrl: string, dataDir: string, settings: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DIXA_API_TOKEN: BENCH_TOKEN,
    DIXA_API_URL: dixaUrl,
    DATA_DIR: dataDir,
    ...settings,
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

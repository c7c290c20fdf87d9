// A private Redis for a test file: `redis-server` on a random loopback port, with its own
// empty data directory, stopped (and restartable) by the test. Where redis-server is missing
// (a user's machine), the tests that need it are skipped with a note; under CI=true they
// never are (.ci/run installs Debian's redis-server when it is missing).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createClient } from 'redis';

function findRedisServer(): string | undefined {
  const candidates = [process.env.REDIS_SERVER_PATH, ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'redis-server'))];
  return candidates.find((path): path is string => Boolean(path) && existsSync(path as string));
}

const executable = findRedisServer();
export const hasRedis = executable !== undefined;
if (!hasRedis) {
  if (process.env.CI === 'true') throw new Error('CI=true but no redis-server on PATH: .ci/run installs it with apt-get install redis-server.');
  process.stderr.write('\n[redis] SKIPPED: no `redis-server` on PATH. Install it (apt-get install redis-server) or set REDIS_SERVER_PATH to run the multi-replica tests.\n\n');
}

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (as if Redis went away); its data stays for `start`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Every key and value, for tests that check what Redis holds. */
  dump(): Promise<{ key: string; value: string }[]>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  if (!executable) throw new Error('redis-server is not installed');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gateway-redis-'));
  let child: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;

  const start = async () => {
    child = spawn(executable, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'], {
      stdio: 'ignore',
    });
    const probe = createClient({ url, socket: { reconnectStrategy: (retries) => (retries > 100 ? new Error('redis-server did not start') : 20) } });
    // Refused connections while redis-server starts are expected; without a listener they would be thrown.
    probe.on('error', () => undefined);
    await probe.connect();
    await probe.ping();
    await probe.quit();
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return {
    url,
    port,
    start,
    stop,
    async dump() {
      const client = createClient({ url });
      await client.connect();
      try {
        const out: { key: string; value: string }[] = [];
        for await (const keys of client.scanIterator({ COUNT: 1000 })) {
          for (const key of keys) {
            const type = await client.type(key);
            const raw =
              type === 'string'
                ? await client.get(key)
                : type === 'hash'
                  ? JSON.stringify(await client.hGetAll(key))
                  : type === 'stream'
                    ? JSON.stringify(await client.xRange(key, '-', '+'))
                    : type === 'zset'
                      ? JSON.stringify(await client.zRange(key, 0, -1))
                      : type === 'set'
                        ? JSON.stringify(await client.sMembers(key))
                        : type === 'list'
                          ? JSON.stringify(await client.lRange(key, 0, -1))
                          : '';
            out.push({ key, value: raw ?? '' });
          }
        }
        return out;
      } finally {
        await client.quit();
      }
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

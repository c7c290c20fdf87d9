// Misconfiguration (issue 11 items 9 and 12): a blank or missing token in production is
// refused, demo mode says so, the demo cleans up after itself, a busy PORT is one line,
// and a gateway key that could never be sent is refused. The entry point is spawned
// for real (TypeScript run through test/support/ts-register.mjs).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { DEMO_TOKEN, withDemoDixa } from '../src/demo-mode.js';

const ROOT = join(import.meta.dirname, '..');

interface Run {
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
  /** Resolves with the gateway's URL once it prints it. */
  url: Promise<string>;
  kill(): void;
}

function runMain(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', './test/support/ts-register.mjs', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    url: new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        run.stdout += String(chunk);
        const match = /GraphQL playground: (http:\/\/\S+)\/graphql/.exec(run.stdout);
        if (match) resolve(match[1]!);
      });
      child.once('exit', () => reject(new Error(`exited before listening: ${run.stderr}`)));
    }),
    kill: () => child.kill('SIGTERM'),
  };
  child.stderr.on('data', (chunk) => (run.stderr += String(chunk)));
  // Runs that are meant to exit before listening never await the URL.
  run.url.catch(() => {});
  return run;
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('the Dixa token', () => {
  it('set but blank or whitespace is a configuration error, not demo mode', () => {
    for (const blank of ['', '   ', '\n\t']) {
      const problems = problemsOf({ DIXA_API_TOKEN: blank });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/DIXA_API_TOKEN is set but blank/);
    }
  });

  it('missing with NODE_ENV=production is a configuration error; without production it is demo mode', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([expect.stringMatching(/DIXA_API_TOKEN is not set and NODE_ENV=production/)]);
    expect(loadConfig({}).demo).toBe(true);
  });

  it('production without a token: the process exits 2 with one line naming DIXA_API_TOKEN', async () => {
    const run = runMain({ NODE_ENV: 'production' });
    expect(await run.exited).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/DIXA_API_TOKEN/);
    expect(run.stdout).not.toMatch(/playground/);
  });
});

describe('demo mode', () => {
  it('withDemoDixa returns a new, final config and leaves the loaded one alone', () => {
    const loaded = loadConfig({});
    const final = withDemoDixa(loaded, { apiUrl: 'http://127.0.0.1:1', agentId: 'a', dataDir: '/tmp/x' });
    expect(final.dixa).toMatchObject({ token: DEMO_TOKEN, apiUrl: 'http://127.0.0.1:1', defaultAgentId: 'a' });
    expect(final).toMatchObject({ demo: true, dataDir: '/tmp/x', sync: { manageWebhooks: true, publicUrl: 'http://127.0.0.1:4000' } });
    expect(loaded.dixa.token).toBeUndefined();
    expect(loaded.sync.manageWebhooks).toBe(false);
    expect(loaded.dataDir).toBe('./data');
  });

  it('says so in /readyz and dixaConnection, and removes its event folder at shutdown', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'demo-run-'));
    try {
      const run = runMain({ PORT: '0', TMPDIR: tmp });
      try {
        const url = await run.url;
        expect(readdirSync(tmp).filter((name) => name.startsWith('dixa-gateway-demo-'))).toHaveLength(1);
        const ready = await fetch(`${url}/readyz`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ status: 'ready', mode: 'demo' });
        const res = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ dixaConnection { ok message } }' }),
        });
        const body = (await res.json()) as { data: { dixaConnection: { ok: boolean; message: string } } };
        expect(body.data.dixaConnection.ok).toBe(true);
        expect(body.data.dixaConnection.message).toMatch(/Demo mode/);
      } finally {
        run.kill();
      }
      expect(await run.exited).toBe(0);
      expect(readdirSync(tmp).filter((name) => name.startsWith('dixa-gateway-demo-'))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('small ones', () => {
  it('a busy PORT: exit 2 and one line naming PORT, not a stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = runMain({ PORT: String(port), DIXA_API_TOKEN: 'some-token', DIXA_API_URL: 'http://127.0.0.1:9' });
      expect(await run.exited).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain(`PORT=${port}`);
    } finally {
      blocker.close();
    }
  });

  it('a gateway key with whitespace inside is refused, naming GATEWAY_API_KEYS', () => {
    expect(problemsOf({ DIXA_API_TOKEN: 't', GATEWAY_API_KEYS: 'good-key, two words' })).toEqual([expect.stringMatching(/GATEWAY_API_KEYS/)]);
    expect(loadConfig({ DIXA_API_TOKEN: 't', GATEWAY_API_KEYS: 'k1, k2' }).apiKeys).toEqual(['k1', 'k2']);
  });
});

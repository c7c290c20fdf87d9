// The README's examples, run as written against a gateway set up as demo mode sets it up
// (the fake Dixa's seeded data, read-write, the token owner as the default agent, signed
// webhooks), so the README cannot drift from what the gateway answers.
//
// Fence convention: every ```graphql block holds exactly one operation and is followed by a
// ```json block with its expected answer; a ```sh block starting with `curl` is run with bash
// (the demo URL http://127.0.0.1:4000 pointed at the test gateway) when a ```json block
// follows it. Blocks run in the README's order. A subscription's expected block lists the
// payloads it receives while the blocks after it run. In expected answers "…" stands for
// any value, and as the last element of a list for "and possibly more".
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import { Kind, OperationTypeNode, parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { seedWorld } from '../src/demo/fake-dixa/index.js';
import { TOKEN, startHarness, type Harness } from './support/harness.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const DEMO_URL = 'http://127.0.0.1:4000';
const ANY = '…';

interface Block {
  lang: string;
  code: string;
  line: number;
  expected?: unknown;
}

/** Fenced blocks in order; a ```json block right after another block is its expected answer. */
export function readmeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const fence = /^```(\w*)\n([\s\S]*?)^```$/gm;
  let previousEnd = -1;
  for (const match of markdown.matchAll(fence)) {
    const line = markdown.slice(0, match.index).split('\n').length;
    const [, lang = '', code = ''] = match;
    const gap = previousEnd >= 0 ? markdown.slice(previousEnd, match.index) : undefined;
    const last = blocks[blocks.length - 1];
    if (lang === 'json' && last && last.expected === undefined && gap !== undefined && gap.trim() === '') {
      last.expected = JSON.parse(code);
    } else {
      blocks.push({ lang, code, line });
    }
    previousEnd = (match.index ?? 0) + match[0].length;
  }
  return blocks;
}

/** Deep comparison where "…" matches anything, and a trailing "…" in a list allows more items. */
function matches(actual: unknown, expected: unknown, path = '$'): string | undefined {
  if (expected === ANY) return undefined;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected a list, got ${JSON.stringify(actual)}`;
    const open = expected[expected.length - 1] === ANY;
    const items = open ? expected.slice(0, -1) : expected;
    if (open ? actual.length < items.length : actual.length !== items.length) return `${path}: expected ${open ? 'at least ' : ''}${items.length} items, got ${actual.length}`;
    for (let i = 0; i < items.length; i++) {
      const problem = matches(actual[i], items[i], `${path}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    const keys = Object.keys(expected);
    const extra = Object.keys(actual).filter((k) => !keys.includes(k));
    if (extra.length > 0) return `${path}: unexpected keys ${extra.join(', ')} (${JSON.stringify(actual).slice(0, 300)})`;
    for (const key of keys) {
      const problem = matches((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  }
  return Object.is(actual, expected) ? undefined : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

function expectMatch(actual: unknown, block: Block): void {
  const problem = matches(actual, block.expected);
  expect(problem, `README line ${block.line}: ${problem}\nactual: ${JSON.stringify(actual, null, 2).slice(0, 3000)}`).toBeUndefined();
}

const blocks = readmeBlocks(README);
const graphqlBlocks = blocks.filter((b) => b.lang === 'graphql');
const curlBlocks = blocks.filter((b) => b.lang === 'sh' && /^curl\b/.test(b.code.trim()) && b.expected !== undefined);

function operationOf(block: Block): OperationDefinitionNode {
  const operations = parse(block.code).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  expect(operations, `README line ${block.line}: one operation per block`).toHaveLength(1);
  return operations[0]!;
}

let h: Harness;
let ws: Client;
beforeAll(async () => {
  // As `npm start` without DIXA_API_TOKEN: read-write, replies as the token owner, webhooks on.
  h = await startHarness({ webhooks: true, env: { DIXA_ACCESS: 'read-write', DIXA_DEFAULT_AGENT_ID: seedWorld().apiUserId as string } });
  expect(h.fake.world(TOKEN).apiUserId).toBe(h.config.dixa.defaultAgentId);
  ws = createClient({ url: `${h.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
});
afterAll(async () => {
  await ws?.dispose();
  await h?.close();
});

describe('README examples', () => {
  it('every graphql block holds one operation and shows its expected answer', () => {
    expect(graphqlBlocks.length).toBeGreaterThanOrEqual(6);
    for (const block of graphqlBlocks) {
      operationOf(block);
      expect(block.expected, `README line ${block.line}: add the expected answer as a json block after it`).toBeDefined();
    }
    expect(curlBlocks.length).toBeGreaterThanOrEqual(2);
  });

  it('answer as shown on the demo data, in the order they appear (curl blocks run with bash)', async () => {
    const subscriptions: { block: Block; received: unknown[] }[] = [];
    for (const block of blocks) {
      if (block.expected === undefined) continue;
      if (block.lang === 'graphql') {
        if (operationOf(block).operation === OperationTypeNode.SUBSCRIPTION) {
          const received: unknown[] = [];
          subscriptions.push({ block, received });
          const listeners = h.gateway.events.bus.size;
          ws.subscribe({ query: block.code }, { next: (value) => void received.push(value), error: (error) => void received.push({ error }), complete: () => {} });
          await expect.poll(() => h.gateway.events.bus.size).toBe(listeners + 1);
          continue;
        }
        // The demo's address stands for the test gateway's, both ways.
        const res = await h.gql(block.code.replaceAll(DEMO_URL, h.url));
        const answer = JSON.parse(JSON.stringify({ data: res.data, ...(res.errors ? { errors: res.errors } : {}) }).replaceAll(h.url, DEMO_URL)) as unknown;
        expectMatch(answer, block);
        // From here the fake delivers through the subscription just configured, as in demo mode.
        if (block.code.includes('configureWebhooks')) await h.webhooks?.stop();
      } else if (curlBlocks.includes(block)) {
        const command = block.code.replaceAll(DEMO_URL, h.url);
        const { stdout } = await promisify(execFile)('bash', ['-c', command], { timeout: 15_000 });
        expectMatch(JSON.parse(stdout), block);
      }
    }
    for (const { block, received } of subscriptions) {
      const count = (block.expected as unknown[]).length;
      await expect.poll(() => received.length).toBeGreaterThanOrEqual(count);
      expectMatch(received, block);
    }
  });
});

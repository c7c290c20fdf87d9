// Webhook intake under hostile traffic (issue 11 items 7 and 11): bodies are read only for
// requests whose signature header is present, well-formed and fresh, and whose declared
// size fits; at most DIXA_WEBHOOK_MAX_PENDING at once. Real sockets send unfinished bodies;
// the test counts the bodies the gateway admitted, not memory.
import { randomBytes, randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDixaWebhook } from '../src/demo/fake-dixa/index.js';
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../src/server.js';
import { startHarness, type Harness } from './support/harness.js';

const PENDING = 4;
let h: Harness;
const sockets: Socket[] = [];

beforeAll(async () => {
  h = await startHarness({ webhooks: true, env: { DIXA_WEBHOOK_MAX_PENDING: String(PENDING) } });
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await h?.close();
});

/** A well-formed, fresh signature header that no secret produced. */
const forged = (t = Date.now()) => `t=${t},v1=${randomBytes(32).toString('hex')}`;

interface Partial {
  socket: Socket;
  /** The status line, or 'no answer' if none came while the body was still unfinished. */
  status: Promise<string>;
}

/** Sends the headers and `sent` bytes of a body declared `declared` bytes long, and never finishes it. */
function unfinished(headers: Record<string, string>, declared: number, sent: number): Partial {
  const { port } = new URL(h.url);
  const socket = connect(Number(port), '127.0.0.1');
  sockets.push(socket);
  const lines = Object.entries({ host: '127.0.0.1', 'content-type': 'application/json', 'content-length': String(declared), ...headers })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  socket.write(`POST /webhooks/dixa HTTP/1.1\r\n${lines}\r\n\r\n`);
  socket.write(Buffer.alloc(sent, 0x20));
  const status = new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('no answer'), 3_000);
    socket.once('data', (chunk) => {
      clearTimeout(timer);
      resolve(String(chunk).split('\r\n')[0]!);
    });
    socket.once('error', () => resolve('error'));
  });
  return { socket, status };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('webhook bodies are not read before the signature header passes', () => {
  it('missing, malformed and stale signatures, and an oversized Content-Length, are refused before the body', async () => {
    const admitted = h.gateway.events.webhookBodies?.admitted ?? 0;
    const cases: [Record<string, string>, number, string][] = [
      [{}, 1_000_000, '401'],
      [{ 'x-dixa-signature': 'v1=abc' }, 1_000_000, '401'],
      [{ 'x-dixa-signature': forged(Date.now() - 3_600_000) }, 1_000_000, '401'],
      [{ 'x-dixa-signature': forged() }, 50_000_000, '413'],
    ];
    const answers = await Promise.all(cases.map(([headers, declared]) => unfinished(headers, declared, 1_000).status));
    expect(answers).toEqual(cases.map(([, , status]) => expect.stringContaining(status)));
    expect(h.gateway.events.webhookBodies.admitted).toBe(admitted);
  });

  it(`at most ${PENDING} unverified bodies are read at once; more are refused with 503`, async () => {
    const gate = h.gateway.events.webhookBodies;
    const admitted = gate.admitted;
    const held = Array.from({ length: PENDING }, () => unfinished({ 'x-dixa-signature': forged() }, 1_000_000, 1_000));
    await until(() => gate.inFlight === PENDING);
    expect(gate.inFlight).toBe(PENDING);
    const extra = Array.from({ length: 3 }, () => unfinished({ 'x-dixa-signature': forged() }, 1_000_000, 1_000));
    expect(await Promise.all(extra.map((p) => p.status))).toEqual(Array(3).fill(expect.stringContaining('503')));
    expect(gate.admitted - admitted).toBe(PENDING);
    // Senders that give up free their places.
    for (const p of held) p.socket.destroy();
    await until(() => gate.inFlight === 0);
    expect(gate.inFlight).toBe(0);
  });

  it('the HTTP server bounds how long a request may take to arrive', () => {
    expect(h.gateway.server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(h.gateway.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(REQUEST_TIMEOUT_MS).toBeLessThanOrEqual(60_000);
  });
});

describe('webhook conversation ids', () => {
  async function post(csid: unknown): Promise<{ status: number; json: any }> {
    const envelope: Record<string, unknown> = {
      event_id: randomUUID(),
      event_fqn: 'CONVERSATION_PENDING',
      event_version: '1',
      event_timestamp: new Date().toISOString(),
      data: { conversation: csid === undefined ? { status: 'PENDING' } : { csid, status: 'PENDING' } },
    };
    const body = JSON.stringify(envelope);
    const res = await fetch(`${h.url}/webhooks/dixa`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dixa-signature': signDixaWebhook(body, h.webhookSecret!) },
      body,
    });
    return { status: res.status, json: await res.json() };
  }

  it('an event with no csid, a non-numeric one, or one above 2^53 is refused with 400, not stored unreadable', async () => {
    for (const csid of [undefined, 'abc', -5]) {
      const res = await post(csid);
      expect(res.status, String(csid)).toBe(400);
      expect(res.json.errors[0].extensions.code).toBe('WEBHOOK_PAYLOAD_INVALID');
    }
    // 9007199254740993 would be stored as ...992 if parsed as a double.
    const big = await postRaw('9007199254740993');
    expect(big.status).toBe(400);
    expect(big.json.errors[0].message).toMatch(/csid/);
  });

  it('an event with a usable csid is stored and readable by that id', async () => {
    const res = await post(1042);
    expect(res.status).toBe(200);
    const read = await h.gql(`query($id: ID) { conversationEvents(conversationId: $id, first: 10) { edges { node { id conversationId } } } }`, { id: '1042' });
    expect(read.data!.conversationEvents.edges.map((e: any) => e.node.conversationId)).toContain('1042');
  });

  /** The csid written as digits into the JSON text, as Dixa writes it (JSON.stringify would round it first). */
  async function postRaw(csidDigits: string): Promise<{ status: number; json: any }> {
    const body = `{"event_id":"${randomUUID()}","event_fqn":"CONVERSATION_PENDING","event_version":"1","event_timestamp":"${new Date().toISOString()}","data":{"conversation":{"csid":${csidDigits},"status":"PENDING"}}}`;
    const res = await fetch(`${h.url}/webhooks/dixa`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dixa-signature': signDixaWebhook(body, h.webhookSecret!) },
      body,
    });
    return { status: res.status, json: await res.json() };
  }
});

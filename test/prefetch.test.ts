// Issue 14: the inbox is warm before anyone opens it, and interactive reads go before the
// warm-up. Real HTTP against the fake Dixa; Dixa calls are counted (and, for the slot
// tests, timed) in the fake's own request log.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, ConfigError } from '../src/config.js';
import { seedWorld, SUPPORT_EMAIL, type FakeWorld, type RecordedRequest } from '../src/demo/fake-dixa/index.js';
import { route, startHarness, TOKEN, type Harness } from './support/harness.js';

/** The inbox of the issue: OPEN and PENDING, first 25, with customer, assignee, queue, tags and messages. */
const INBOX = `{
  searchConversations(first: 25, filter: { states: [OPEN, PENDING] }) {
    nodes {
      id subject state channel
      customer { displayName email }
      assignee { displayName }
      queue { name }
      tags { name }
      messages { id text author { ... on Agent { agentName: displayName } ... on Customer { displayName } } }
    }
  }
}`;

const REAL_LIMIT = { fake: { rateLimit: { perSecond: 10, burst: 4 } }, env: { DIXA_RATE_LIMIT: '10/4' } };
const SHARE = 0.5;
const SLOT_MS = 100; // Dixa's 10 calls/s

const openIds = (world: FakeWorld): number[] => [...world.conversations.values()].filter((c) => c.state !== 'Closed').map((c) => c.id);
const closedIds = (world: FakeWorld): number[] => [...world.conversations.values()].filter((c) => c.state === 'Closed').map((c) => c.id);
/** Calls the issue says a warm inbox must not make. */
const isRecordRead = (r: RecordedRequest) => /^\/(conversations|endusers)\//.test(route(r));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(conversations: number, options: { realLimit?: boolean; env?: Record<string, string> } = {}): Promise<Harness> {
  const world = seedWorld({ conversations });
  h = await startHarness({
    webhooks: true,
    fake: { tenants: [{ token: TOKEN, world }], ...(options.realLimit ? REAL_LIMIT.fake : {}) },
    env: { DIXA_ACCESS: 'read-write', DIXA_PREFETCH: 'open', ...(options.realLimit ? REAL_LIMIT.env : {}), ...options.env },
  });
  return h;
}

async function addInbound(harness: Harness, conversationId: number, text: string): Promise<string> {
  const res = await fetch(`${harness.fake.url}/v1/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { authorization: TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify({ _type: 'Inbound', content: { _type: 'Text', value: text } }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { messageId: string } }).data.messageId;
}

/** A request the fake records with its arrival time, on no token's budget: the test's clock mark. */
async function mark(harness: Harness): Promise<number> {
  await (await fetch(`${harness.fake.url}/__test/marker`)).arrayBuffer();
  const marker = harness.dixaCalls((r) => r.path === '/__test/marker').at(-1);
  return marker!.at;
}

describe('prefetch (DIXA_PREFETCH=open)', () => {
  it('after warm-up, the inbox of OPEN and PENDING conversations makes no conversation, message, tag or end-user call', async () => {
    const harness = await start(20);
    const report = await harness.gateway.prefetch!.firstWarmup;
    const expected = openIds(harness.fake.world(TOKEN));
    expect(report.conversations).toBe(expected.length);
    expect(harness.logs.some((line) => line.includes('prefetch: first warm-up complete'))).toBe(true);

    harness.resetCalls();
    const res = await harness.gql(INBOX);
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.searchConversations.nodes as { id: string; state: string; customer: unknown; messages: unknown[] }[];
    expect(nodes.map((n) => Number(n.id)).sort()).toEqual([...expected].sort());
    expect(nodes.every((n) => n.customer !== null && n.messages.length > 0)).toBe(true);
    expect(harness.dixaCalls(isRecordRead)).toEqual([]);
    // The inbox's search page was the prefetch's listing page: not even a search is made.
    expect(harness.dixaCalls()).toEqual([]);

    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^gateway_prefetch_conversations ${expected.length}$`, 'm'));
    expect(metrics).toMatch(new RegExp(`^gateway_prefetch_warm ${expected.length}$`, 'm'));
    expect(metrics).toMatch(/^gateway_prefetch_calls [1-9]\d*$/m);
  });

  it('warm-up never causes a 429 and finishes within (open × 4 + 10) / (10 × share) seconds of rate slots', async () => {
    const harness = await start(8, { realLimit: true });
    const report = await harness.gateway.prefetch!.firstWarmup;
    const open = openIds(harness.fake.world(TOKEN)).length;
    expect(report.conversations).toBe(open);

    const calls = harness.dixaCalls((r) => r.token === TOKEN);
    expect(calls.filter((r) => r.status === 429)).toEqual([]);
    expect(harness.fake.stats.tooManyRequests).toBe(0);
    expect(calls.length).toBeLessThanOrEqual(open * 4 + 10);
    expect(report.calls).toBe(calls.filter((r) => !r.path.includes('activitylog') && !r.path.includes('webhooks')).length);
    // Timed by the fake's arrival stamps: first to last call of the warm-up, plus one slot of slack.
    const spanMs = calls.at(-1)!.at - calls[0]!.at;
    expect(spanMs).toBeLessThanOrEqual(((open * 4 + 10) / (10 * SHARE)) * 1000 + 1000);
  });

  it('during warm-up, interactive reads go first: the first call within two rate slots, and background within its share', async () => {
    const harness = await start(80, { realLimit: true });
    const world = harness.fake.world(TOKEN);
    const outside = closedIds(world);
    expect(outside.length).toBeGreaterThanOrEqual(35);
    const isInteractive = (ids: number[]) => (r: RecordedRequest) => ids.some((id) => route(r) === `/conversations/${id}`);

    // The warm-up is under way (and far from done: about 170 calls at 5/s).
    await vi.waitFor(() => expect(harness.dixaCalls((r) => r.token === TOKEN && /^\/conversations\/\d+\//.test(route(r))).length).toBeGreaterThanOrEqual(8), {
      timeout: 10_000,
      interval: 20,
    });
    expect(harness.gateway.prefetch!.report).toBeUndefined();

    // One read at a time: arrival at the fake measured from a marker sent just before.
    for (const id of outside.slice(0, 5)) {
      const marker = await mark(harness);
      const res = await harness.gql(`{ conversation(id: "${id}") { id subject } }`);
      expect(res.data!.conversation.id).toBe(String(id));
      const first = harness.dixaCalls(isInteractive([id]))[0]!;
      expect(first.at - marker).toBeLessThanOrEqual(2 * SLOT_MS + 150);
    }

    // 30 at once: while they wait, background takes no more than its share of the calls.
    const thirty = outside.slice(5, 35);
    const answers = await Promise.all(thirty.map((id) => harness.gql(`{ conversation(id: "${id}") { id } }`)));
    expect(answers.every((a) => a.errors === undefined)).toBe(true);
    const interactive = harness.dixaCalls(isInteractive(thirty));
    expect(interactive).toHaveLength(30);
    const from = interactive[0]!.at;
    const to = interactive.at(-1)!.at;
    const background = harness.dixaCalls((r) => r.token === TOKEN && r.at >= from && r.at <= to && !isInteractive(thirty)(r));
    expect(background.length).toBeLessThanOrEqual(SHARE * (background.length + interactive.length));
    expect(harness.fake.stats.tooManyRequests).toBe(0);
  });

  it('a MESSAGE_ADDED webhook for an open conversation keeps it warm: the next inbox read costs 0 calls and shows the message', async () => {
    const harness = await start(20);
    const prefetch = harness.gateway.prefetch!;
    await prefetch.firstWarmup;
    const id = [...harness.fake.world(TOKEN).conversations.values()].find((c) => c.state === 'Open')!.id;

    harness.resetCalls();
    const delivered = harness.webhooks!.stats.delivered;
    let changes = 0;
    harness.fake.changes.on('change', () => changes++);
    const messageId = await addInbound(harness, id, 'Is my parcel on its way?');
    expect(changes).toBeGreaterThan(0);
    await vi.waitFor(() => expect(harness.webhooks!.stats.delivered).toBe(delivered + changes), { timeout: 5_000, interval: 10 });
    await prefetch.whenIdle();
    // The event dropped the cached list; the prefetch read it again on its own.
    expect(harness.dixaCalls((r) => r.method === 'GET' && route(r) === `/conversations/${id}/messages`)).toHaveLength(1);

    harness.resetCalls();
    const res = await harness.gql(INBOX);
    expect(res.errors).toBeUndefined();
    expect(harness.dixaCalls()).toEqual([]);
    const node = (res.data!.searchConversations.nodes as { id: string; messages: { id: string; text: string }[] }[]).find((n) => n.id === String(id))!;
    expect(node.messages.at(-1)).toMatchObject({ id: messageId, text: 'Is my parcel on its way?' });
  });

  it('a conversation created in Dixa joins the set as its webhook arrives: the next inbox read costs 0 calls and lists it', async () => {
    const harness = await start(12);
    const prefetch = harness.gateway.prefetch!;
    await prefetch.firstWarmup;
    const before = prefetch.size;
    const requester = [...harness.fake.world(TOKEN).endUsers.values()].find((u) => u.email)!;
    const delivered = harness.webhooks!.stats.delivered;
    let changes = 0;
    harness.fake.changes.on('change', () => changes++);
    const res = await fetch(`${harness.fake.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({
        _type: 'Email',
        requesterId: requester.id,
        emailIntegrationId: SUPPORT_EMAIL,
        subject: 'New: where is my order?',
        message: { _type: 'Inbound', content: { _type: 'Text', value: 'Ordered a week ago, nothing yet.' } },
      }),
    });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { data: { id: number } }).data.id;
    // Every event the creation raised (created, its first message) has been delivered and applied.
    expect(changes).toBeGreaterThan(0);
    await vi.waitFor(() => expect(harness.webhooks!.stats.delivered).toBe(delivered + changes), { timeout: 5_000, interval: 10 });
    await prefetch.whenIdle();
    expect(prefetch.size).toBe(before + 1);

    harness.resetCalls();
    const inbox = await harness.gql(INBOX);
    expect(inbox.errors).toBeUndefined();
    expect(harness.dixaCalls()).toEqual([]);
    const node = (inbox.data!.searchConversations.nodes as { id: string; subject: string; messages: { text: string }[] }[]).find((n) => n.id === String(id));
    expect(node).toMatchObject({ subject: 'New: where is my order?', messages: [{ text: 'Ordered a week ago, nothing yet.' }] });
  });

  it('a conversation that closes leaves the prefetch set', async () => {
    const harness = await start(20);
    const prefetch = harness.gateway.prefetch!;
    await prefetch.firstWarmup;
    const before = prefetch.size;
    const id = [...harness.fake.world(TOKEN).conversations.values()].find((c) => c.state === 'Open')!.id;
    const res = await harness.gql(`mutation { closeConversation(id: "${id}") { id state } }`);
    expect(res.errors).toBeUndefined();
    await vi.waitFor(() => expect(prefetch.size).toBe(before - 1), { timeout: 5_000, interval: 10 });
  });
});

describe('DIXA_PREFETCH=off', () => {
  it('reads nothing on the gateway’s own initiative, even with webhooks on and events arriving', async () => {
    h = await startHarness({ webhooks: true, fake: { tenants: [{ token: TOKEN, world: seedWorld({ conversations: 20 }) }] }, env: { DIXA_PREFETCH: 'off' } });
    expect(h.config.prefetch.mode).toBe('off');
    expect(h.gateway.prefetch).toBeUndefined();
    const id = openIds(h.fake.world(TOKEN))[0]!;
    const delivered = h.webhooks!.stats.delivered;
    await addInbound(h, id, 'Hello?');
    await vi.waitFor(() => expect(h!.webhooks!.stats.delivered).toBeGreaterThan(delivered), { timeout: 5_000, interval: 10 });
    // Only the test's own write reached Dixa.
    expect(h.dixaCalls((r) => r.method === 'GET' || route(r).startsWith('/search'))).toEqual([]);
  });

  it('is the default without webhooks, and a value other than open or off is refused with what to set', () => {
    expect(loadConfig({ DIXA_API_TOKEN: 't' }).prefetch.mode).toBe('off');
    expect(loadConfig({ DIXA_API_TOKEN: 't', DIXA_WEBHOOK_SECRET: 'ab' }).prefetch.mode).toBe('open');
    expect(loadConfig({ DIXA_API_TOKEN: 't', DIXA_MANAGE_WEBHOOKS: 'true', PUBLIC_URL: 'https://gw.example.com' }).prefetch.mode).toBe('open');
    expect(() => loadConfig({ DIXA_API_TOKEN: 't', DIXA_PREFETCH: 'all' })).toThrow(ConfigError);
    expect(() => loadConfig({ DIXA_API_TOKEN: 't', DIXA_PREFETCH: 'all' })).toThrow(/DIXA_PREFETCH must be one of open, off/);
    expect(() => loadConfig({ DIXA_API_TOKEN: 't', DIXA_PRIORITIES: 'maybe' })).toThrow(/DIXA_PRIORITIES must be one of on, off/);
  });
});

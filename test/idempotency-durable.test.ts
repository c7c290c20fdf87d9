// Idempotency keys keep their promise across restarts, crashes and tenant churn (issue 11
// items 5 and 6), against the fake Dixa over real HTTP. The records live in SQLite under
// DATA_DIR. A gateway "killed" at each step is simulated in-process: the step's request
// reaches Dixa and is stored, the answer never comes, and the gateway stops without
// recording anything more (its store handle is closed first, as a dead process's would
// be), then a new gateway instance on the same DATA_DIR takes the retry. One test kills a
// real gateway process (src/main.ts in a child node) with SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ATTRIBUTE_ORDER_NUMBER, SUPPORT_EMAIL, activeTags, findConversation, seedWorld, type FakeWorld, type RecordedRequest } from '../src/demo/fake-dixa/index.js';
import type { FaultRule } from '../src/demo/fake-dixa/faults.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createGateway } from '../src/server.js';
import { TOKEN, route, startHarness, type Harness } from './support/harness.js';

const world: FakeWorld = seedWorld();
const [AGENT] = [...world.agents.keys()] as [string];
const QUEUE = [...world.queues.values()].find((q) => !q.isDefault)!.id;
const ORDER_ATTRIBUTE = [...world.customAttributeDefinitions.values()].find((d) => d.identifier === ATTRIBUTE_ORDER_NUMBER)!.id;
const SEEDED_TAG = activeTags(world)[0]!.name;

const ENV = {
  DIXA_ACCESS: 'read-write',
  DIXA_DEFAULT_AGENT_ID: AGENT,
  DIXA_REPLY_CHANNELS: 'EMAIL,WIDGET_CHAT',
  DIXA_TOKEN_HEADER: 'true',
  DIXA_RETRY_BASE_DELAY_MS: '0',
};

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ fake: { tenants: [{ token: TOKEN, world }] }, env: ENV });
});
afterAll(() => h.close());
beforeEach(() => {
  h.fake.faults.clear();
  h.resetCalls();
});

const CREATE = /* GraphQL */ `
  mutation Create($input: CreateConversationInput!) {
    createConversation(input: $input) {
      conversation { id queue { id } tags { name } notes { message } customAttributes { id value } messages { externalId } }
    }
  }`;
const REPLY = /* GraphQL */ `
  mutation Reply($input: ReplyToConversationInput!) {
    replyToConversation(input: $input) { message { id text externalId } conversation { id } }
  }`;

const creates = (): RecordedRequest[] => h.dixaCalls((r) => r.method === 'POST' && route(r) === '/conversations');
const posts = (): RecordedRequest[] => h.dixaCalls((r) => r.method === 'POST');

let n = 0;
const unique = (): string => `${Date.now()}-${++n}`;

function conversationInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = unique();
  return {
    channel: 'EMAIL',
    customer: { email: `durable.${id}@example.com`, displayName: 'Dora Durable' },
    subject: 'Escalated: broken stove',
    content: 'The stove does not light.',
    emailIntegrationId: SUPPORT_EMAIL,
    note: `Applied summary ${id}`,
    tags: [SEEDED_TAG, `applied-${id}`],
    queueId: QUEUE,
    customAttributes: { [ORDER_ATTRIBUTE]: `A-${id}` },
    idempotencyKey: `durable-${id}`,
    ...overrides,
  };
}

const emailOf = (input: Record<string, unknown>): string => (input.customer as { email: string }).email;
const endUsersWith = (email: string) => [...world.endUsers.values()].filter((u) => u.email === email);
function conversationsOf(email: string) {
  const ids = new Set(endUsersWith(email).map((u) => u.id));
  return [...world.conversations.values()].filter((c) => ids.has(c.requesterId));
}

describe('after a restart (same DATA_DIR)', () => {
  it('reply: the same key with other content is IDEMPOTENCY_CONFLICT; the same input returns the first message with no POST', async () => {
    const c = findConversation(world, (x) => x.channel === 'WidgetChat');
    const input = { conversationId: String(c.id), content: 'Sent before the restart', idempotencyKey: `reply-${unique()}` };
    const first = await h.gql(REPLY, { input });
    expect(first.errors).toBeUndefined();

    await h.restart();
    h.resetCalls();
    const changed = await h.gql(REPLY, { input: { ...input, content: 'Different after the restart' } });
    expect(changed.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
    const same = await h.gql(REPLY, { input });
    expect(same.errors).toBeUndefined();
    expect(same.data!.replyToConversation.message).toEqual(first.data!.replyToConversation.message);
    expect(posts()).toHaveLength(0);
    expect((world.messages.get(c.id) ?? []).filter((m) => m.externalId === input.idempotencyKey)).toHaveLength(1);
  });

  it('createConversation: a changed input is IDEMPOTENCY_CONFLICT; the same input returns the first conversation with no POST', async () => {
    const input = conversationInput();
    const first = await h.gql(CREATE, { input });
    expect(first.errors).toBeUndefined();

    await h.restart();
    h.resetCalls();
    const changed = await h.gql(CREATE, { input: { ...input, content: 'Something else entirely' } });
    expect(changed.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_CONFLICT');
    const same = await h.gql(CREATE, { input });
    expect(same.errors).toBeUndefined();
    expect(same.data!.createConversation.conversation.id).toBe(first.data!.createConversation.conversation.id);
    expect(posts()).toHaveLength(0);
    expect(h.dixaCalls((r) => r.method !== 'GET')).toHaveLength(0);
    expect(conversationsOf(emailOf(input))).toHaveLength(1);
  });
});

describe('createConversation killed at each step resumes on a new instance without a duplicate', () => {
  const steps: [string, FaultRule][] = [
    ['customer', { method: 'POST', path: '/endusers', hang: true }],
    ['createConversation', { method: 'POST', path: '/conversations', hang: true }],
    ['note', { method: 'POST', path: /^\/conversations\/\d+\/notes$/, hang: true }],
    ['tags', { method: 'PUT', path: /^\/conversations\/\d+\/tags\//, hang: true }],
    ['customAttributes', { method: 'PATCH', path: /^\/conversations\/\d+\/custom-attributes$/, hang: true }],
    ['transfer', { method: 'PUT', path: /^\/conversations\/\d+\/transfer\/queue$/, hang: true }],
  ];

  it.each(steps)('killed while Dixa holds the %s step but has not answered', async (_step, fault) => {
    // The doomed instance: same fake, same DATA_DIR, and a Dixa timeout long enough that it
    // is still waiting for the answer when it is killed.
    const config = loadConfig({
      DIXA_API_TOKEN: TOKEN,
      DIXA_API_URL: h.fake.url,
      DATA_DIR: h.config.dataDir,
      DIXA_RATE_LIMIT: '1000/100',
      DIXA_HEADERS_TIMEOUT_MS: '60000',
      ...ENV,
    });
    const doomed = await createGateway(config, createLogger('silent'));
    const doomedUrl = await doomed.listen(0, '127.0.0.1');

    const input = conversationInput();
    h.fake.faults.add(fault);
    const client = new AbortController();
    const inFlight = fetch(`${doomedUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: CREATE, variables: { input } }),
      signal: client.signal,
    }).catch(() => undefined);
    const matches = (r: RecordedRequest) => r.method === fault.method && (typeof fault.path === 'string' ? route(r) === fault.path : fault.path.test(route(r)));
    await vi.waitFor(() => expect(h.dixaCalls(matches)).toHaveLength(1), { timeout: 10_000, interval: 10 });

    // kill: the process's record store is gone at once; nothing after this is recorded.
    await doomed.stores.idempotency.close();
    client.abort();
    await inFlight;
    await doomed.close();
    const doomedCalls = h.dixaCalls().length;

    const resumed = await h.gql(CREATE, { input });
    expect(resumed.errors).toBeUndefined();
    const got = resumed.data!.createConversation.conversation;
    const email = emailOf(input);
    expect(endUsersWith(email)).toHaveLength(1);
    expect(conversationsOf(email).map((c) => String(c.id))).toEqual([got.id]);
    expect(creates()).toHaveLength(1);
    expect(h.dixaCalls((r) => r.method === 'POST' && route(r) === '/endusers')).toHaveLength(1);
    expect(h.dixaCalls((r) => r.method === 'POST' && /\/notes$/.test(route(r)))).toHaveLength(1);
    expect(got.messages).toEqual([{ externalId: input.idempotencyKey }]);
    expect(got.notes).toEqual([{ message: input.note }]);
    expect(got.queue).toEqual({ id: QUEUE });
    expect(got.tags.map((t: { name: string }) => t.name).sort()).toEqual([...(input.tags as string[])].sort());
    expect(got.customAttributes).toEqual([{ id: ORDER_ATTRIBUTE, value: (input.customAttributes as Record<string, string>)[ORDER_ATTRIBUTE] }]);
    // The new instance found the created conversation by reading Dixa back, where it had to.
    expect(h.dixaCalls().length).toBeGreaterThan(doomedCalls);
  });
});

describe('tenant churn', () => {
  it("1,100 mutations with junk X-Dixa-Token values do not evict the real tenant's record: its retry makes no second conversation", async () => {
    const input = conversationInput({ note: null, tags: [], queueId: null, customAttributes: null });
    const first = await h.gql(CREATE, { input });
    expect(first.errors).toBeUndefined();

    const c = findConversation(world, (x) => x.channel === 'WidgetChat');
    for (let batch = 0; batch < 22; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          h.gql(
            REPLY,
            { input: { conversationId: String(c.id), content: 'junk', idempotencyKey: `junk-${batch}-${i}` } },
            { 'x-dixa-token': `junk-token-${batch}-${i}` },
          ),
        ),
      );
      for (const answer of answers) expect(answer.errors?.[0]?.extensions?.code).toBe('DIXA_AUTH_FAILED');
    }

    const again = await h.gql(CREATE, { input });
    expect(again.errors).toBeUndefined();
    expect(again.data!.createConversation.conversation.id).toBe(first.data!.createConversation.conversation.id);
    expect(creates()).toHaveLength(1);
    expect(conversationsOf(emailOf(input))).toHaveLength(1);
  });
});

/** The gateway's URL, from its "gateway listening" log line. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)\/graphql","msg":"gateway listening"/.exec(buffered);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the gateway process exited (${code}) before listening`)));
  });
}

describe('a real kill -9', () => {
  it('the gateway process is SIGKILLed while Dixa holds the new conversation unanswered: the retry on a new instance creates none', async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const child = spawn(process.execPath, ['--import', './test/support/register-ts.mjs', 'src/main.ts'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        ...ENV,
        DIXA_API_TOKEN: TOKEN,
        DIXA_API_URL: h.fake.url,
        DATA_DIR: h.config.dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        DIXA_RATE_LIMIT: '1000/100',
        DIXA_HEADERS_TIMEOUT_MS: '60000',
      },
    });
    try {
      const url = await listeningUrl(child);
      const input = conversationInput();
      h.fake.faults.add({ method: 'POST', path: '/conversations', hang: true });
      const inFlight = fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: CREATE, variables: { input } }),
      }).catch(() => undefined);
      await vi.waitFor(() => expect(creates()).toHaveLength(1), { timeout: 10_000, interval: 10 });
      expect(conversationsOf(emailOf(input))).toHaveLength(1);

      child.kill('SIGKILL');
      await once(child, 'exit');
      await inFlight;

      const resumed = await h.gql(CREATE, { input });
      expect(resumed.errors).toBeUndefined();
      const got = resumed.data!.createConversation.conversation;
      expect(conversationsOf(emailOf(input)).map((c) => String(c.id))).toEqual([got.id]);
      expect(creates()).toHaveLength(1);
      expect(got.notes).toEqual([{ message: input.note }]);
      expect(got.queue).toEqual({ id: QUEUE });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});

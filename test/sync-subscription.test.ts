// Issue 13: the managed webhook subscription (configureWebhooks, DIXA_MANAGE_WEBHOOKS) and
// syncStatus's diagnosis of each broken state, over real HTTP against the fake Dixa.
import { afterEach, describe, expect, it } from 'vitest';
import { webhookStateOf, WEBHOOK_EVENT_NAMES } from '../src/demo/fake-dixa/index.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { REQUIRED_EVENTS } from '../src/sync/required-events.js';
import { route, startHarness, TOKEN, type Harness } from './support/harness.js';
import { allEvents, CONFIGURE, customerMessage, dixa, openChat, receiverUrl, STATUS } from './support/sync.js';

const ENV = { SYNC_STATUS_CACHE_SECONDS: '0' };

let h: Harness;
afterEach(async () => {
  await h?.close();
  h = undefined as unknown as Harness;
});

async function started(env: Record<string, string> = {}): Promise<Harness> {
  h = await startHarness({ env: { ...ENV, ...env } });
  // PUBLIC_URL is the harness's own address, known only once it listens.
  h.config.sync.publicUrl = h.url;
  return h;
}

const subscriptions = (harness: Harness) => [...webhookStateOf(harness.fake.world(TOKEN)).subscriptions.values()];
const codes = (res: any) => res.data.syncStatus.problems.map((p: any) => p.code);

/** A subscription made in Dixa by hand (or by an older setup), as the spec's POST /webhooks takes it. */
async function handMade(harness: Harness, patch: Record<string, unknown> = {}) {
  const res = await dixa(harness.fake, 'POST', '/webhooks', {
    name: 'Set up by hand',
    url: receiverUrl(harness),
    events: [...REQUIRED_EVENTS],
    authorization: { _type: 'NoAuth' },
    customHeaders: {},
    ...patch,
  });
  expect(res.status).toBe(201);
  return res.json.data;
}

describe('configureWebhooks', () => {
  it('reports WEBHOOK_NOT_CONFIGURED with a fix when Dixa has no subscription for the gateway', async () => {
    await started();
    const res = await h.gql(STATUS);
    expect(res.errors).toBeUndefined();
    const status = res.data!.syncStatus;
    expect(status.ok).toBe(false);
    expect(status.expectedUrl).toBe(receiverUrl(h));
    expect(status.subscription).toBeNull();
    expect(status.missingEvents).toEqual(REQUIRED_EVENTS);
    expect(codes(res)).toEqual(['WEBHOOK_NOT_CONFIGURED']);
    expect(status.problems[0].message).toMatch(/configureWebhooks/);
  });

  it('creates exactly one spec-valid subscription, adopts its secret, and then a change in Dixa arrives and syncStatus is ok', async () => {
    await started();
    h.resetCalls();
    const res = await h.gql(CONFIGURE);
    expect(res.errors).toBeUndefined();
    const posts = h.dixaCalls((r) => r.method === 'POST' && route(r) === '/webhooks');
    expect(posts).toHaveLength(1);
    // CreateWebhookSubscriptionInput: name, url, authorization and customHeaders are required.
    expect(posts[0]!.body).toEqual({
      name: expect.any(String),
      url: receiverUrl(h),
      events: [...REQUIRED_EVENTS],
      authorization: { _type: 'NoAuth' },
      customHeaders: {},
      enabled: true,
    });
    expect((posts[0]!.body as any).events.every((e: string) => WEBHOOK_EVENT_NAMES.includes(e))).toBe(true);
    expect(subscriptions(h)).toHaveLength(1);
    expect(res.data!.configureWebhooks.subscription).toMatchObject({ url: receiverUrl(h), enabled: true, channels: [] });
    // The secret is never returned.
    expect(JSON.stringify(res)).not.toContain(subscriptions(h)[0]!.secretKey);
    expect(h.logs.join('')).not.toContain(subscriptions(h)[0]!.secretKey);

    const messageId = await customerMessage(h.fake, openChat(h.fake), 'Is my parcel on its way?');
    await h.fake.webhooks.idle();
    expect(h.fake.webhooks.deliveries.map((d) => [d.event, d.responseCode])).toEqual([['ConversationMessageAdded', 200]]);
    const events = await allEvents(h);
    expect(events).toMatchObject([{ source: 'WEBHOOK', type: 'MESSAGE_ADDED', message: { id: messageId } }]);

    const status = await h.gql(STATUS);
    expect(status.data!.syncStatus.problems).toEqual([]);
    expect(status.data!.syncStatus.ok).toBe(true);
    expect(status.data!.syncStatus.lastEventReceivedAt).not.toBeNull();
    expect(status.data!.syncStatus.deliveries).toContainEqual({ event: 'ConversationMessageAdded', deliveredAt: expect.any(String), success: true, responseCode: 200 });
  });

  it('changes nothing the second time: no second POST, no PATCH', async () => {
    await started();
    expect((await h.gql(CONFIGURE)).errors).toBeUndefined();
    h.resetCalls();
    expect((await h.gql(CONFIGURE)).errors).toBeUndefined();
    expect(h.dixaCalls((r) => r.method !== 'GET')).toEqual([]);
    expect(subscriptions(h)).toHaveLength(1);
  });

  it('is allowed in read-only access mode, and refuses a url that is not a gateway receiver', async () => {
    await started({ DIXA_ACCESS: 'read-only' });
    expect((await h.gql(CONFIGURE)).errors).toBeUndefined();
    const bad = await h.gql(CONFIGURE, { url: 'ftp://example.com/webhooks/dixa' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const elsewhere = await h.gql(CONFIGURE, { url: 'https://example.com/somewhere' });
    expect(elsewhere.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(elsewhere.errors?.[0]?.message).toMatch(/\/webhooks\/dixa/);
  });

  it('fixes a broken subscription with one PATCH: missing events, disabled, channel filter', async () => {
    await started();
    const sub = await handMade(h, {
      events: ['ConversationClosed'],
      enabled: false,
      filters: { Conversation: { _type: 'CombinedFilters', strategy: 'All', conditions: [{ _type: 'IsOneOf', field: 'InitialChannel', values: ['email'] }] } },
    });
    h.resetCalls();
    const res = await h.gql(CONFIGURE);
    expect(res.errors).toBeUndefined();
    const writes = h.dixaCalls((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${route(r)}`)).toEqual([`PATCH /webhooks/${sub.id}`]);
    expect(writes[0]!.body).toMatchObject({ enabled: true, filters: {}, events: expect.arrayContaining([...REQUIRED_EVENTS]) });
    expect(res.data!.configureWebhooks.ok).toBe(true);
  });

  it('DIXA_MANAGE_WEBHOOKS=true creates the subscription at start', async () => {
    h = await startHarness({ env: { ...ENV, DIXA_MANAGE_WEBHOOKS: 'true', PUBLIC_URL: 'https://gateway.example.com' } });
    expect(subscriptions(h).map((s) => [s.url, s.enabled, s.subscribedEvents])).toEqual([['https://gateway.example.com/webhooks/dixa', true, [...REQUIRED_EVENTS]]]);
    expect(h.dixaCalls((r) => r.method === 'POST' && route(r) === '/webhooks')).toHaveLength(1);
  });
});

describe('syncStatus diagnosis', () => {
  it('names a disabled subscription', async () => {
    await started();
    await handMade(h, { enabled: false });
    await h.gql(CONFIGURE, {}); // adopt the secret first, so only the broken state is reported
    const sub = subscriptions(h)[0]!;
    await dixa(h.fake, 'PATCH', `/webhooks/${sub.id}`, { enabled: false });
    expect(codes(await h.gql(STATUS))).toEqual(['WEBHOOK_DISABLED']);
  });

  it('names a subscription that delivers to another URL', async () => {
    await started();
    await handMade(h, { url: 'https://old-host.example.com/webhooks/dixa' });
    const res = await h.gql(STATUS);
    expect(codes(res)).toEqual(['WEBHOOK_URL_MISMATCH']);
    expect(res.data!.syncStatus.problems[0].message).toContain('https://old-host.example.com/webhooks/dixa');
  });

  it('names the missing events', async () => {
    await started();
    await h.gql(CONFIGURE);
    const sub = subscriptions(h)[0]!;
    await dixa(h.fake, 'PATCH', `/webhooks/${sub.id}`, { events: REQUIRED_EVENTS.filter((e) => e !== 'ConversationMessageAdded') });
    const res = await h.gql(STATUS);
    expect(codes(res)).toEqual(['WEBHOOK_EVENTS_MISSING']);
    expect(res.data!.syncStatus.missingEvents).toEqual(['ConversationMessageAdded']);
    expect(res.data!.syncStatus.problems[0].message).toContain('ConversationMessageAdded');
  });

  it('names the channels a filter limits deliveries to', async () => {
    await started();
    await h.gql(CONFIGURE);
    const sub = subscriptions(h)[0]!;
    await dixa(h.fake, 'PATCH', `/webhooks/${sub.id}`, {
      filters: { Conversation: { _type: 'CombinedFilters', strategy: 'All', conditions: [{ _type: 'IsOneOf', field: 'InitialChannel', values: ['email', 'pstn_phone'] }] } },
    });
    const res = await h.gql(STATUS);
    expect(codes(res)).toEqual(['WEBHOOK_CHANNELS_FILTERED']);
    expect(res.data!.syncStatus.subscription.channels).toEqual(['email', 'pstn_phone']);
  });

  it('names failing deliveries with their response code: a 401 means the secrets differ', async () => {
    // The gateway checks with a secret of its own; the hand-made subscription signs with another.
    await started({ DIXA_WEBHOOK_SECRET: 'ab'.repeat(32) });
    await handMade(h);
    await customerMessage(h.fake, openChat(h.fake), 'Hello?');
    await h.fake.webhooks.idle();
    expect(h.fake.webhooks.deliveries.map((d) => d.responseCode)).toEqual([401]);
    const res = await h.gql(STATUS);
    expect(codes(res)).toEqual(expect.arrayContaining(['WEBHOOK_SECRET_UNKNOWN', 'WEBHOOK_DELIVERIES_FAILING']));
    const failing = res.data!.syncStatus.problems.find((p: any) => p.code === 'WEBHOOK_DELIVERIES_FAILING');
    expect(failing.message).toMatch(/401.*secrets differ/s);
    expect(res.data!.syncStatus.deliveries).toContainEqual({ event: 'ConversationMessageAdded', deliveredAt: expect.any(String), success: false, responseCode: 401 });
    await h.gateway.sync.settled();
  });

  it('reports DIXA_AUTH_FAILED when the token cannot read the subscription', async () => {
    await started();
    h.fake.faults.add({ method: 'GET', path: '/webhooks', status: 401, body: { message: 'User is unauthorized to perform an underlying operation' } });
    const res = await h.gql(STATUS);
    expect(codes(res)).toContain('DIXA_AUTH_FAILED');
  });
});

describe('sync settings', () => {
  const base = { DIXA_API_TOKEN: 't' };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('takes PUBLIC_URL without a trailing slash and refuses one with a query or credentials', () => {
    expect(loadConfig({ ...base, PUBLIC_URL: 'https://gateway.example.com/' }).sync.publicUrl).toBe('https://gateway.example.com');
    expect(problems({ PUBLIC_URL: 'https://gateway.example.com/?x=1' })[0]).toMatch(/^PUBLIC_URL must be/);
    expect(problems({ PUBLIC_URL: 'https://user:pw@gateway.example.com' })[0]).toMatch(/^PUBLIC_URL must be/);
    expect(problems({ PUBLIC_URL: 'gateway.example.com' })[0]).toMatch(/^PUBLIC_URL must be/);
  });

  it('refuses DIXA_MANAGE_WEBHOOKS=true without PUBLIC_URL, and a value that is not a boolean', () => {
    expect(problems({ DIXA_MANAGE_WEBHOOKS: 'true' })).toEqual([expect.stringMatching(/DIXA_MANAGE_WEBHOOKS=true needs PUBLIC_URL/)]);
    expect(problems({ DIXA_MANAGE_WEBHOOKS: 'yes please', PUBLIC_URL: 'https://g.example.com' })).toEqual([expect.stringMatching(/^DIXA_MANAGE_WEBHOOKS must be true or false/)]);
    expect(loadConfig({ ...base, DIXA_MANAGE_WEBHOOKS: 'true', PUBLIC_URL: 'https://g.example.com' }).sync.manageWebhooks).toBe(true);
  });
});

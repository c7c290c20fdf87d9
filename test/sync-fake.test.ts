// The fake Dixa's webhooks API and org activity log (issue 13), in the spec's shapes, under
// /v1 and /beta: what the sync tests stand on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDixa, type FakeDixa } from '../src/demo/fake-dixa/index.js';
import { customerMessage, dixa, openChat } from './support/sync.js';

const TOKEN = 'demo-token';

describe('fake Dixa: webhooks API and activity log', () => {
  let fake: FakeDixa;
  beforeAll(async () => {
    fake = await startFakeDixa();
  });
  afterAll(() => fake.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fake.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  it('creates (201), lists, reads, patches and deletes (204) a subscription, under /v1 and /beta', async () => {
    const created = await call('POST', '/beta/webhooks', {
      name: 'Test',
      url: 'https://example.com/webhooks/dixa',
      events: ['ConversationClosed'],
      authorization: { _type: 'TokenAuth', value: 'abc' },
      customHeaders: { 'X-Extra': '1' },
    });
    expect(created.status).toBe(201);
    const sub = created.json.data;
    expect(sub).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Test',
      url: 'https://example.com/webhooks/dixa',
      subscribedEvents: ['ConversationClosed'],
      headers: { 'X-Extra': '1', Authorization: 'Bearer abc' },
      secretKey: expect.stringMatching(/^[0-9a-f]{64}$/),
      enabled: true,
      createdAt: expect.any(String),
      createdBy: expect.any(String),
      updatedAt: expect.any(String),
      updatedBy: expect.any(String),
    });
    expect((await call('GET', '/v1/webhooks')).json.data.map((s: any) => s.id)).toEqual([sub.id]);
    expect((await call('GET', `/v1/webhooks/${sub.id}`)).json.data.secretKey).toBe(sub.secretKey);
    const patched = await call('PATCH', `/v1/webhooks/${sub.id}`, { enabled: false, events: ['ConversationCreated'] });
    expect(patched.json.data).toMatchObject({ enabled: false, subscribedEvents: ['ConversationCreated'], secretKey: sub.secretKey });
    expect((await call('GET', `/v1/webhooks/${sub.id}/delivery-status`)).json).toEqual({
      data: [{ event: 'ConversationCreated', deliveryStatus: { _type: 'NoRecentDelivery' } }],
    });
    expect((await call('DELETE', `/v1/webhooks/${sub.id}`)).status).toBe(204);
    expect((await call('GET', `/v1/webhooks/${sub.id}`)).status).toBe(404);
  });

  it('answers 400 for a missing required field, an unknown event, a bad id, and a bad date filter', async () => {
    expect((await call('POST', '/v1/webhooks', { name: 'x', url: 'https://e.com', customHeaders: {} })).json).toEqual({ message: 'Decoding failure in request' });
    const unknown = await call('POST', '/v1/webhooks', { name: 'x', url: 'https://e.com', events: ['NoSuchEvent'], authorization: { _type: 'NoAuth' }, customHeaders: {} });
    expect(unknown.status).toBe(400);
    expect((await call('GET', '/v1/webhooks/not-a-uuid/delivery-status')).status).toBe(400);
    expect((await call('GET', '/v1/conversations/activitylog?fromDatetime=yesterday')).status).toBe(400);
  });

  it('logs each change as an ActivityLogEntry, paged with meta.next that keeps the window', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const chat = openChat(fake);
    const messageId = await customerMessage(fake, chat, 'one');
    await customerMessage(fake, chat, 'two');
    await dixa(fake, 'PUT', `/conversations/${chat}/close`, {});
    const to = new Date(Date.now() + 1000).toISOString();
    const first = await call('GET', `/beta/conversations/activitylog?fromDatetime=${from}&toDatetime=${to}&pageLimit=2`);
    expect(first.status).toBe(200);
    expect(first.json.data).toEqual([
      {
        id: expect.any(String),
        conversationId: chat,
        activityTimestamp: expect.stringMatching(/Z\[GMT\]$/),
        _type: 'MessageAddedByCustomer',
        activityType: { _type: 'MessageAddedByCustomerActivityType' },
        author: expect.objectContaining({ id: expect.any(String) }),
        attributes: { messageId },
      },
      expect.objectContaining({ _type: 'MessageAddedByCustomer' }),
    ]);
    expect(first.json.meta.next).toMatch(/^\/beta\/conversations\/activitylog\?fromDatetime=.*&toDatetime=.*&pageKey=/);
    const second = await fetch(`${fake.url}${first.json.meta.next}`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.json() as Promise<any>);
    expect(second.data.map((e: any) => e._type)).toEqual(['ConversationClosed']);
    expect(second.meta.next).toBeUndefined();
  });
});

// Issue 13's closing figure: a 10-minute outage with 100 changes, repaired at Dixa's real
// rate (10 requests/s, burst 4, enforced by the gateway's limiter). Asserts the Dixa calls
// the repair costs; the time it takes is printed, not asserted (counts over clocks).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConversations } from '../src/demo/fake-dixa/index.js';
import { countByShape, startHarness, TOKEN, type Harness } from './support/harness.js';
import { CONFIGURE, customerMessage, dixa, REPAIR } from './support/sync.js';

describe('repairing a 10-minute outage with 100 changes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { DIXA_RATE_LIMIT: '10/4' } });
    h.config.sync.publicUrl = h.url;
    expect((await h.gql(CONFIGURE)).errors).toBeUndefined();
  });
  afterAll(() => h.close());

  it('costs ceil(100/50) activity pages + one message list and one record read per conversation', async () => {
    h.fake.webhooks.pause(); // Dixa holds every delivery back: the gateway hears nothing.
    const conversations = findConversations(h.fake.world(TOKEN), (c) => c.state === 'Open' && ['Email', 'WidgetChat', 'ContactForm'].includes(c.channel)).slice(0, 10);
    expect(conversations).toHaveLength(10);
    // Per conversation: 8 messages, a note and a close.
    for (const [i, c] of conversations.entries()) {
      for (let m = 0; m < 8; m++) await customerMessage(h.fake, c.id, `Change ${i}.${m}`);
      expect((await dixa(h.fake, 'POST', `/conversations/${c.id}/notes`, { message: `Note ${i}` })).status).toBe(200);
      expect((await dixa(h.fake, 'PUT', `/conversations/${c.id}/close`, {})).status).toBe(204);
    }

    h.resetCalls();
    const started = performance.now();
    const res = await h.gql(REPAIR, { from: new Date(Date.now() - 10 * 60_000).toISOString() });
    const seconds = (performance.now() - started) / 1000;
    expect(res.errors).toBeUndefined();
    expect(res.data!.repairSync.recoveredEvents).toBe(100);
    expect(countByShape(h.dixaCalls())).toEqual({
      'GET /conversations/activitylog': 2,
      'GET /conversations/:id/messages': 10,
      'GET /conversations/:id': 10,
    });
    console.info(`repair of a 10-minute outage, 100 changes, 22 Dixa calls at 10 req/s: ${seconds.toFixed(2)} s`);
  });
});

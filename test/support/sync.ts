// Helpers for the sync tests (issue 13): calls straight to the fake Dixa (changes made
// while the gateway is away), and the GraphQL documents the tests share.
import { findConversation, type FakeDixa } from '../../src/demo/fake-dixa/index.js';
import { TOKEN, type Harness } from './harness.js';

export const STATUS = `query {
  syncStatus {
    ok expectedUrl missingEvents lastEventReceivedAt checkedAt
    subscription { id name url enabled events channels }
    deliveries { event deliveredAt success responseCode }
    gaps { from to repairedAt recoveredEvents }
    problems { code message }
  }
}`;

export const CONFIGURE = `mutation($url: String) {
  configureWebhooks(input: { url: $url }) {
    ok subscription { id url enabled events channels } problems { code message }
  }
}`;

export const REPAIR = `mutation($from: DateTime!, $to: DateTime) { repairSync(from: $from, to: $to) { from to repairedAt recoveredEvents } }`;

export const EVENTS = `query($after: String) {
  conversationEvents(after: $after, first: 1000) {
    nodes { id source type rawType conversationId occurredAt message { id } }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** A request to the fake as Dixa's own UI or another integration would make it (not through the gateway). */
export async function dixa(fake: FakeDixa, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${fake.url}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** An open chat conversation of the seeded world. */
export function openChat(fake: FakeDixa): number {
  return findConversation(fake.world(TOKEN), (c) => c.channel === 'WidgetChat' && c.state === 'Open').id;
}

export async function customerMessage(fake: FakeDixa, conversationId: number, text: string): Promise<string> {
  const res = await dixa(fake, 'POST', `/conversations/${conversationId}/messages`, { _type: 'Inbound', content: { _type: 'Text', value: text } });
  if (res.status !== 200) throw new Error(`fake refused the message: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json.data.messageId as string;
}

export async function allEvents(h: Harness): Promise<any[]> {
  const res = await h.gql(EVENTS, {});
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.conversationEvents.nodes;
}

/** The gateway's receiver URL on this harness. */
export const receiverUrl = (h: Harness) => `${h.url}/webhooks/dixa`;

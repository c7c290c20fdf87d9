// GRAPHQL_TRUSTED_DOCUMENTS: with the manifest of client/ configured, a listed document runs
// by id (documentId, Apollo's persistedQuery hash, GET, graphql-ws) and any other document is
// refused with a 400 and a code, before any Dixa call; nothing can be registered on the fly.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultOf } from '@graphql-typed-document-node/core';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { documentId as idOf, execute } from '../client/execute.js';
import { ConversationDetailDocument, InboxDocument, ReplyDocument, SyncEventsLiveDocument } from '../client/generated/graphql.js';
import { TrustedDocuments, TrustedDocumentsManifestError } from '../src/graphql/trusted-documents.js';
import { buildGatewaySchema } from '../src/schema.js';
import { TOKEN, startHarness, type Harness } from './support/harness.js';

const MANIFEST = fileURLToPath(new URL('../client/generated/persisted-documents.json', import.meta.url));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ webhooks: true, env: { GRAPHQL_TRUSTED_DOCUMENTS: MANIFEST, DIXA_ACCESS: 'read-write' } });
});
afterAll(() => h.close());

async function post(body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${h.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

describe('trusted documents on', () => {
  it('runs a listed document sent by documentId, typed by its generated TypedDocumentNode', async () => {
    h.resetCalls();
    const { status, json } = await post({ documentId: idOf(ConversationDetailDocument), variables: { id: '1000' } });
    expect(status).toBe(200);
    const data = json.data as ResultOf<typeof ConversationDetailDocument>;
    expect(data.conversation?.customer?.email).toBe('xenia.andersen@outlook.com');
    expect(data.conversation?.messages.length).toBeGreaterThan(0);
    expect(h.dixaCalls().length).toBeGreaterThan(0);
  });

  it('runs the generated documents through client/execute.ts (plain fetch, typed)', async () => {
    const inbox = await execute(`${h.url}/graphql`, InboxDocument, { first: 3, filter: { states: ['OPEN'], channels: ['EMAIL'] } });
    expect(inbox.errors).toBeUndefined();
    const rows = inbox.data!.searchConversations.nodes;
    expect(rows).toHaveLength(3);
    for (const row of rows) expect([row.state, row.channel]).toEqual(['OPEN', 'EMAIL']);
  });

  it("runs it by Apollo's extensions.persistedQuery.sha256Hash (bare hex) and by GET", async () => {
    const hex = idOf(ConversationDetailDocument).replace(/^sha256:/, '');
    const apq = await post({ variables: { id: '1000' }, extensions: { persistedQuery: { version: 1, sha256Hash: hex } } });
    expect(apq.status).toBe(200);
    expect(apq.json.data.conversation.subject).toBe('Very disappointed with the delivery');
    const search = new URLSearchParams({ documentId: idOf(ConversationDetailDocument), variables: JSON.stringify({ id: '1000' }) });
    const get = await fetch(`${h.url}/graphql?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(200);
    expect(((await get.json()) as any).data.conversation.state).toBe('OPEN');
  });

  it('refuses an ad-hoc document with 400 PERSISTED_QUERY_ID_REQUIRED and no Dixa call', async () => {
    h.resetCalls();
    const adHoc = await post({ query: '{ queues { id name } }' });
    expect(adHoc.status).toBe(400);
    expect(adHoc.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_ID_REQUIRED');
    expect(adHoc.json.errors[0].message).toMatch(/documentId/);
    const get = await fetch(`${h.url}/graphql?query=${encodeURIComponent('{ queues { id } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(400);
    expect(((await get.json()) as any).errors[0].extensions.code).toBe('PERSISTED_QUERY_ID_REQUIRED');
    expect(h.dixaCalls()).toHaveLength(0);
  });

  it('refuses an unknown id, and text that is not the document of its id, with PERSISTED_QUERY_NOT_IN_LIST', async () => {
    h.resetCalls();
    const unknown = await post({ documentId: `sha256:${'0'.repeat(64)}` });
    expect(unknown.status).toBe(400);
    expect(unknown.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const swapped = await post({ documentId: idOf(ConversationDetailDocument), query: '{ agents { email } }' });
    expect(swapped.status).toBe(400);
    expect(swapped.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(h.dixaCalls()).toHaveLength(0);
  });

  it("never registers a document the way Apollo's automatic persisted queries would", async () => {
    h.resetCalls();
    const query = '{ agents { email } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const register = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(register.status).toBe(400);
    const replay = await post({ extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(replay.status).toBe(400);
    expect(replay.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(h.dixaCalls()).toHaveLength(0);
  });

  it('over graphql-ws: a listed subscription runs by id and delivers events; an ad-hoc one is refused', async () => {
    const client = createClient({ url: `${h.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const refused = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: 'subscription { conversationEvents { id } }' }, { next: () => resolve('data'), error: resolve, complete: () => resolve('complete') });
      });
      expect((refused as { extensions?: Record<string, unknown> }[])[0]?.extensions?.code).toBe('PERSISTED_QUERY_ID_REQUIRED');

      const listeners = h.gateway.events.bus.size;
      const events: ResultOf<typeof SyncEventsLiveDocument>['conversationEvents'][] = [];
      client.subscribe(
        { query: '', variables: { conversationId: '1000' }, extensions: { persistedQuery: { version: 1, sha256Hash: idOf(SyncEventsLiveDocument) } } },
        { next: (value) => void events.push((value.data as ResultOf<typeof SyncEventsLiveDocument>).conversationEvents), error: () => {}, complete: () => {} },
      );
      await expect.poll(() => h.gateway.events.bus.size).toBe(listeners + 1);
      const reply = await post({
        documentId: idOf(ReplyDocument),
        variables: { input: { conversationId: '1000', content: 'Trusted reply', agentId: h.fake.world(TOKEN).apiUserId } },
      });
      expect(reply.json.errors).toBeUndefined();
      await expect.poll(() => events.find((e) => e.type === 'MESSAGE_ADDED')?.message?.text).toBe('Trusted reply');
    } finally {
      await client.dispose();
    }
  });
});

describe('trusted documents manifest', () => {
  const schema = buildGatewaySchema();
  const dir = mkdtempSync(join(tmpdir(), 'trusted-docs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads Apollo persisted query manifests too', () => {
    const documents = TrustedDocuments.fromManifest(
      { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'abc', name: 'Q', type: 'query', body: 'query Q { queues { id } }' }] },
      schema,
    );
    expect(documents.textOf('abc')).toBe('query Q { queues { id } }');
  });

  it('refuses to start on a manifest that is missing, not JSON, empty, or out of date with the schema, naming the setting', () => {
    const path = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    expect(() => TrustedDocuments.load(join(dir, 'absent.json'), schema)).toThrow(/GRAPHQL_TRUSTED_DOCUMENTS: cannot read .*ENOENT/);
    expect(() => TrustedDocuments.load(path('bad.json', '{'), schema)).toThrow(/not valid JSON/);
    expect(() => TrustedDocuments.load(path('empty.json', '{}'), schema)).toThrow(/holds no document/);
    expect(() => TrustedDocuments.load(path('stale.json', JSON.stringify({ x: '{ noSuchField }' })), schema)).toThrow(TrustedDocumentsManifestError);
    expect(() => TrustedDocuments.load(path('stale.json', JSON.stringify({ x: '{ noSuchField }' })), schema)).toThrow(/"x" does not validate.*noSuchField/);
  });

  it('is off by default: ad-hoc documents run', async () => {
    const plain = await startHarness();
    try {
      const res = await plain.gql('{ queues { name } }');
      expect(res.status).toBe(200);
      expect(res.data!.queues).toHaveLength(3);
    } finally {
      await plain.close();
    }
  });
});

// The small ones of issue 11 (item 12) that a running gateway shows: field suggestions in
// production, the refused graphql-ws connection's hint, how subscription input errors are
// logged, and what dixaConnection says once the circuit is open. (Busy PORT, keys with
// spaces and the demo folder are in config-hardening.test.ts.)
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHarness, type Harness } from './support/harness.js';

function wsClient(h: Harness, connectionParams?: Record<string, string>, onClosed?: (event: { code: number; reason: string }) => void) {
  return createClient({
    url: `${h.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    ...(connectionParams ? { connectionParams } : {}),
    on: { closed: (event) => onClosed?.(event as { code: number; reason: string }) },
  });
}

describe('small ones', () => {
  it('no "Did you mean" field suggestions in production', async () => {
    const h = await startHarness({ env: { NODE_ENV: 'production' } });
    try {
      const res = await h.gql('{ queus { id } }');
      expect(res.status).toBe(400);
      expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(res.errors?.[0]?.message).not.toMatch(/Did you mean/);
    } finally {
      await h.close();
    }
    const dev = await startHarness();
    try {
      expect((await dev.gql('{ queus { id } }')).errors?.[0]?.message).toMatch(/Did you mean/);
    } finally {
      await dev.close();
    }
  });

  it('a refused graphql-ws connection says how to send the key', async () => {
    const h = await startHarness({ env: { GATEWAY_API_KEYS: 'ws-key' } });
    try {
      const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
        const client = wsClient(h, undefined, resolve);
        client.subscribe({ query: '{ __typename }' }, { next: () => {}, error: () => {}, complete: () => {} });
      });
      expect(closed.code).toBe(4403);
      expect(closed.reason).toMatch(/Authorization: Bearer <key>/i);
      expect(closed.reason).toMatch(/connectionParams/);
    } finally {
      await h.close();
    }
  });

  it('a subscription input error is logged at info without a stack, as over HTTP', async () => {
    const h = await startHarness({ webhooks: true });
    try {
      const client = wsClient(h);
      const errors = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: 'subscription { conversationEvents(conversationId: "not-an-id") { id } }' },
          { next: (value) => resolve(value.errors), error: (error) => resolve(error), complete: () => {} },
        );
      });
      await client.dispose();
      expect(JSON.stringify(errors)).toContain('BAD_USER_INPUT');
      const entries = h.logs.map((line) => JSON.parse(line) as { level: number; msg: string; err?: { stack?: string } });
      const mentions = entries.filter((e) => JSON.stringify(e).includes('not-an-id') || e.msg.includes('subscription error'));
      expect(mentions.length).toBeGreaterThan(0);
      for (const entry of mentions) {
        expect(entry.level).toBeLessThanOrEqual(30);
        expect(entry.err?.stack).toBeUndefined();
      }
    } finally {
      await h.close();
    }
  });

  it('with the circuit open, dixaConnection keeps the original cause and names the configured URL', async () => {
    const h = await startHarness({
      env: { DIXA_API_URL: 'http://127.0.0.1:9', DIXA_CIRCUIT_THRESHOLD: '1', DIXA_RETRY_MAX_ATTEMPTS: '1', DIXA_CIRCUIT_COOLDOWN_MS: '60000' },
    });
    try {
      const first = await h.gql('{ dixaConnection { ok errorCode message } }');
      expect(first.data!.dixaConnection.message).toMatch(/ECONNREFUSED/);
      const second = await h.gql('{ dixaConnection { ok errorCode message } }');
      expect(second.data!.dixaConnection).toMatchObject({ ok: false, errorCode: 'UPSTREAM_ERROR' });
      expect(second.data!.dixaConnection.message).toMatch(/paused/);
      expect(second.data!.dixaConnection.message).toMatch(/ECONNREFUSED/);
      expect(second.data!.dixaConnection.message).toContain('http://127.0.0.1:9');
    } finally {
      await h.close();
    }
  });
});

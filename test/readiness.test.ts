// GET /readyz (issue 11 item 1): one cached, coalesced Dixa check for any number of probes,
// always with the configured token, and no organization data without a gateway key.
import { describe, expect, it } from 'vitest';
import type { ConnectionVerdict } from '../src/datasources/dixa/connection-check.js';
import { Readiness } from '../src/http/readiness.js';
import { TOKEN, route, startHarness } from './support/harness.js';

const KEY = 'readiness-key';

describe('GET /readyz', () => {
  it('100 concurrent unauthenticated probes cost one check, with the configured token, and show no organization', async () => {
    const h = await startHarness({ env: { DIXA_TOKEN_HEADER: 'true', GATEWAY_API_KEYS: KEY } });
    try {
      const answers = await Promise.all(
        Array.from({ length: 100 }, () => fetch(`${h.url}/readyz`, { headers: { 'x-dixa-token': 'someone-elses-token' } })),
      );
      const bodies = await Promise.all(answers.map((r) => r.json() as Promise<Record<string, unknown>>));
      expect(answers.every((r) => r.status === 200)).toBe(true);
      for (const body of bodies) {
        expect(body).toMatchObject({ status: 'ready', ok: true, mode: 'live', errorCode: null });
        expect(body).not.toHaveProperty('organization');
      }
      // One check: the organization, one search page, one agents page.
      expect(h.dixaCalls((r) => route(r) === '/organization')).toHaveLength(1);
      expect(h.dixaCalls().length).toBeLessThanOrEqual(3);
      expect(h.dixaCalls().every((r) => r.token === TOKEN)).toBe(true);

      // A caller with the gateway key sees the organization (from the same cached verdict).
      const keyed = (await (await fetch(`${h.url}/readyz`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as Record<string, any>;
      expect(keyed.organization?.name).toBeTruthy();
      expect(h.dixaCalls((r) => route(r) === '/organization')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});

describe('Readiness', () => {
  const verdict = (ok: boolean): ConnectionVerdict => ({ ok, organization: null, errorCode: ok ? null : 'UPSTREAM_ERROR', message: null, checkedAt: 'now' });

  it('reuses a verdict for its TTL, coalesces concurrent checks, and checks again after', async () => {
    let clock = 0;
    let checks = 0;
    let release!: () => void;
    const readiness = new Readiness({
      check: () => {
        checks++;
        return new Promise((resolve) => (release = () => resolve(verdict(checks === 1))));
      },
      ttlMs: 5_000,
      now: () => clock,
      demo: true,
    });
    const concurrent = Array.from({ length: 10 }, () => readiness.answer(false));
    release();
    const answers = await Promise.all(concurrent);
    expect(checks).toBe(1);
    expect(answers[0]).toEqual({ status: 'ready', ok: true, mode: 'demo', errorCode: null, checkedAt: 'now' });
    clock = 4_999;
    await readiness.answer(false);
    expect(checks).toBe(1);
    clock = 5_000;
    const later = readiness.answer(true);
    release();
    expect(await later).toMatchObject({ status: 'unavailable', ok: false, errorCode: 'UPSTREAM_ERROR', message: null, organization: null });
    expect(checks).toBe(2);
  });
});

// Hardening against an unlucky upstream (issue: Hardening, items 2-4), over real HTTP
// against the fake Dixa: a stall must not turn into a burst of 429s, and a Dixa failing
// every other call must open the circuit. Outcomes are counted in the fake's request log.
import { afterEach, describe, expect, it } from 'vitest';
import { TOKEN, startHarness, type Harness } from './support/harness.js';

const READ = `query($id: ID!) { conversation(id: $id) { id } }`;

/** The most requests the fake received within any one-second window. */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('upstream hardening', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('after Dixa stalls every connection, the waiting calls do not leave in a burst: zero 429s, at most 10/s + burst', async () => {
    h = await startHarness({
      env: { DIXA_RATE_LIMIT: '10/4', DIXA_CONNECTIONS: '4', DIXA_RATE_LIMIT_MAX_WAIT_MS: '60000' },
      fake: { rateLimit: { perSecond: 10, burst: 4 } },
    });
    const ids = [...h.fake.world(TOKEN).conversations.keys()].slice(0, 30);
    // The first four reads hold all four connections for 1.5 s.
    for (const id of ids.slice(0, 4)) h.fake.faults.add({ method: 'GET', path: `/conversations/${id}`, delayMs: 1500 });
    const results = await Promise.all(ids.map((id) => h!.gql(READ, { id: String(id) })));
    for (const res of results) expect(res.errors).toBeUndefined();
    expect(h.fake.stats.tooManyRequests).toBe(0);
    const arrivals = h.dixaCalls().map((r) => r.at);
    expect(arrivals).toHaveLength(30);
    expect(busiestSecond(arrivals)).toBeLessThanOrEqual(14);
  }, 30_000);

  it('opens the circuit under mixed traffic: successes between failures do not keep a failing Dixa reachable', async () => {
    h = await startHarness({
      env: { DIXA_CIRCUIT_THRESHOLD: '4', DIXA_CIRCUIT_COOLDOWN_MS: '60000', DIXA_RETRY_MAX_ATTEMPTS: '1' },
    });
    const [failing, healthy] = [...h.fake.world(TOKEN).conversations.keys()];
    h.fake.faults.add({ method: 'GET', path: `/conversations/${failing}`, status: 500, times: 1000 });
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) {
      h.gateway.datasource.cache.clear();
      const id = i % 2 === 0 ? failing : healthy;
      const res = await h.gql(READ, { id: String(id) });
      codes.push(res.errors?.[0]?.extensions?.code ?? 'ok');
    }
    const fiveHundreds = h.dixaCalls((r) => r.status === 500).length;
    // Before the fix: every one of the 10 failing reads reached Dixa, and the circuit never opened.
    expect(fiveHundreds).toBeLessThanOrEqual(4);
    expect(codes.slice(-4)).toEqual(['UPSTREAM_ERROR', 'UPSTREAM_ERROR', 'UPSTREAM_ERROR', 'UPSTREAM_ERROR']);
  });

  it('a half-open probe whose caller gives up while it waits for a rate slot does not leave the circuit stuck open', async () => {
    h = await startHarness({
      env: {
        DIXA_RATE_LIMIT: '1/2',
        DIXA_CIRCUIT_THRESHOLD: '1',
        DIXA_CIRCUIT_COOLDOWN_MS: '200',
        DIXA_RETRY_MAX_ATTEMPTS: '1',
        GRAPHQL_DEADLINE_MS: '400',
      },
    });
    const [failing, probe, later] = [...h.fake.world(TOKEN).conversations.keys()];
    h.fake.faults.add({ method: 'GET', path: `/conversations/${failing}`, status: 500 });
    // The failure opens the circuit and spends the token's one slot for a second.
    expect((await h.gql(READ, { id: String(failing) })).errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    await new Promise((resolve) => setTimeout(resolve, 250));
    // Past the cooldown this read is the probe; it waits for the slot and its deadline ends it first.
    expect((await h.gql(READ, { id: String(probe) })).errors?.[0]?.extensions?.code).toBe('UPSTREAM_TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 700));
    // Before the fix the circuit stayed half-open for good and this failed fast, without calling Dixa.
    const res = await h.gql(READ, { id: String(later) });
    expect(res.errors).toBeUndefined();
    expect(res.data!.conversation.id).toBe(String(later));
  });
});

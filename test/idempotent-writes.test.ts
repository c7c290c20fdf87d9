// IdempotentWrites over the in-memory store: when a record is created (only at the
// write's first checkpoint), what a repeat, a conflict and a concurrent request get, and
// what a failure leaves behind. The gateway-level behaviour is in idempotency-durable.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryIdempotencyStore } from '../src/writes/memory-idempotency-store.js';
import { IdempotentWrites, type RunOptions } from '../src/writes/idempotent-writes.js';

const stores: MemoryIdempotencyStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

function setup() {
  const store = new MemoryIdempotencyStore({ ttlMs: 60_000, maxKeysPerToken: 10, now: () => 0 });
  stores.push(store);
  return { store, writes: new IdempotentWrites(store) };
}

type Progress = { sent: number };
function options(overrides: Partial<RunOptions<Progress, string>> = {}): RunOptions<Progress, string> {
  return {
    scope: 'tenant',
    kind: 'reply',
    key: 'k',
    hash: 'h1',
    start: () => ({ sent: 0 }),
    work: async (progress, checkpoint) => {
      await checkpoint();
      progress.sent++;
      return `sent ${progress.sent}`;
    },
    keepOnFailure: false,
    ...overrides,
  };
}

describe('IdempotentWrites', () => {
  it('a write that fails before its first checkpoint (e.g. Dixa refused the token) leaves no record', async () => {
    const { store, writes } = setup();
    await expect(writes.run(options({ work: async () => Promise.reject(new Error('401')), keepOnFailure: true }))).rejects.toThrow('401');
    expect(store.size('tenant')).toBe(0);
  });

  it('the result is recorded; a repeat returns it without running; another input is IDEMPOTENCY_CONFLICT', async () => {
    const { store, writes } = setup();
    let runs = 0;
    const counted = options({
      work: async (_p, checkpoint) => {
        await checkpoint();
        return `run ${++runs}`;
      },
    });
    expect(await writes.run(counted)).toBe('run 1');
    expect(await writes.run(counted)).toBe('run 1');
    expect(runs).toBe(1);
    await expect(writes.run({ ...counted, hash: 'h2' })).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    expect(await store.get({ scope: 'tenant', kind: 'reply', key: 'k' })).toMatchObject({ hash: 'h1', result: { value: 'run 1' } });
  });

  it('concurrent requests with one key share one attempt; a concurrent other input is a conflict', async () => {
    const { writes } = setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const slow = options({
      work: async (_p, checkpoint) => {
        runs++;
        await checkpoint();
        await gate;
        return 'once';
      },
    });
    const first = writes.run(slow);
    const second = writes.run(slow);
    const conflicting = writes.run({ ...slow, hash: 'other' });
    await expect(conflicting).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    release();
    expect(await Promise.all([first, second])).toEqual(['once', 'once']);
    expect(runs).toBe(1);
    expect(writes.running).toBe(0);
  });

  it('after a failure the record keeps its progress (resume) or is released, as the write says', async () => {
    const { store, writes } = setup();
    const failing = (keep: boolean) =>
      options({
        key: `k-${keep}`,
        work: async (progress, checkpoint) => {
          progress.sent = 1;
          await checkpoint();
          throw new Error('step failed');
        },
        keepOnFailure: (progress) => keep && progress.sent > 0,
      });
    await expect(writes.run(failing(true))).rejects.toThrow('step failed');
    await expect(writes.run(failing(false))).rejects.toThrow('step failed');
    expect(await store.get({ scope: 'tenant', kind: 'reply', key: 'k-true' })).toEqual({ hash: 'h1', progress: { sent: 1 } });
    expect(await store.get({ scope: 'tenant', kind: 'reply', key: 'k-false' })).toBeUndefined();

    // The retry starts from the stored progress.
    let resumedFrom: number | undefined;
    await writes.run(
      options({
        key: 'k-true',
        work: async (progress) => {
          resumedFrom = progress.sent;
          return 'done';
        },
      }),
    );
    expect(resumedFrom).toBe(1);
  });

  it('a key claimed elsewhere and not finished (another instance on the store) is refused, not run twice', async () => {
    const { store, writes } = setup();
    // Another process claimed the key between our look and our claim.
    const racing = options({
      work: async (_p, checkpoint) => {
        await store.claim({ scope: 'tenant', kind: 'reply', key: 'k' }, 'h1', { sent: 0 });
        await checkpoint();
        return 'should not run';
      },
    });
    await expect(writes.run(racing)).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', message: expect.stringMatching(/has not finished; retry/) });
  });
});

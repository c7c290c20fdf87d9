// How operations are drawn: a seeded PRNG, Zipf-like conversation ids, the mixed mix.
import { randomUUID } from 'node:crypto';
import type { Operation } from './load.js';
import { DETAIL_QUERY, INBOX_QUERY, REPLY_MUTATION } from './settings.js';

/** Zipf exponent of the detail ids: rank r is drawn with weight 1 / r^s. */
export const ZIPF_EXPONENT = 1.0;
export const MIX = { inbox: 0.7, detail: 0.25, reply: 0.05 };

/** mulberry32: small, fast, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws items with Zipf weights over a fixed, seeded shuffle of them (hot ids are not simply the lowest). */
export function zipfSampler<T>(items: readonly T[], exponent: number, random: () => number, shuffleSeed = 2024): () => T {
  const ranked = [...items];
  const shuffle = seededRandom(shuffleSeed);
  for (let i = ranked.length - 1; i > 0; i--) {
    const j = Math.floor(shuffle() * (i + 1));
    [ranked[i], ranked[j]] = [ranked[j] as T, ranked[i] as T];
  }
  const cdf: number[] = [];
  let sum = 0;
  for (let r = 1; r <= ranked.length; r++) {
    sum += 1 / r ** exponent;
    cdf.push(sum);
  }
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return ranked[lo] as T;
  };
}

export const inboxOperation = (after?: string): Operation => ({
  kind: 'inbox',
  body: JSON.stringify({ query: INBOX_QUERY, variables: after ? { after } : {} }),
});

export const detailOperation = (id: number): Operation => ({
  kind: 'detail',
  body: JSON.stringify({ query: DETAIL_QUERY, variables: { id: String(id) } }),
});

export const replyOperation = (conversationId: number, runId: string): Operation => ({
  kind: 'reply',
  body: JSON.stringify({
    query: REPLY_MUTATION,
    variables: {
      input: {
        conversationId: String(conversationId),
        content: 'Thanks for your patience: your replacement ships today and the tracking link follows by email.',
        idempotencyKey: `bench-${runId}-${randomUUID()}`,
      },
    },
  }),
});

export interface WorldIds {
  conversations: { id: number; channel: string; state: string | null }[];
}

export function mixedPicker(world: WorldIds, random: () => number, runId: string): () => Operation {
  const detailId = zipfSampler(world.conversations.map((c) => c.id), ZIPF_EXPONENT, random);
  const replyable = world.conversations.filter((c) => c.channel === 'Email' || c.channel === 'WidgetChat').map((c) => c.id);
  const replyId = zipfSampler(replyable, ZIPF_EXPONENT, random);
  const inbox = inboxOperation();
  return () => {
    const x = random();
    if (x < MIX.inbox) return inbox;
    if (x < MIX.inbox + MIX.detail) return detailOperation(detailId());
    return replyOperation(replyId(), runId);
  };
}

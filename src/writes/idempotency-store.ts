// The idempotency store: what became of each idempotencyKey, partitioned by token
// fingerprint and bounded (keys per token, tokens, and a TTL of 24 h by default). It
// holds a hash of the input (a repeat with another input is a conflict), the running
// attempt (concurrent requests with one key share it, so Dixa sees one write), the
// progress of a multi-step write (so a retry resumes it) and the final result.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { IdempotencyConflictError } from '../errors.js';

export interface IdempotencyStoreOptions {
  ttlMs: number;
  maxKeysPerToken: number;
  maxTokens: number;
}

export const DEFAULT_IDEMPOTENCY_OPTIONS: IdempotencyStoreOptions = {
  ttlMs: 24 * 60 * 60 * 1000,
  maxKeysPerToken: 10_000,
  maxTokens: 1_000,
};

/** Which mutation a key belongs to: one key may name a reply and an escalation without clashing. */
export type IdempotencyKind = 'reply' | 'createConversation';

interface Slot {
  hash: string;
  /** Mutable record of the steps done so far; survives a failed attempt. */
  progress: unknown;
  pending?: Promise<unknown> | undefined;
  done?: { value: unknown } | undefined;
}

export interface RunOptions<P, R> {
  scope: string;
  kind: IdempotencyKind;
  key: string;
  /** inputHash() of everything that defines the write, the key excluded. */
  hash: string;
  /** The progress record a first attempt starts from. */
  start: () => P;
  /** The write itself; it updates `progress` as steps complete. */
  work: (progress: P) => Promise<R>;
  /**
   * After a failure: keep the slot (its progress lets a retry resume) or forget it (a
   * retry starts over, which is safe when Dixa itself dedupes, as with message externalIds).
   */
  keepOnFailure: boolean | ((progress: P) => boolean);
}

export class IdempotencyStore {
  private readonly scopes: LRUCache<string, LRUCache<string, Slot>>;

  constructor(private readonly options: IdempotencyStoreOptions = DEFAULT_IDEMPOTENCY_OPTIONS) {
    this.scopes = new LRUCache({ max: options.maxTokens });
  }

  /**
   * The stored result for this key, else the attempt under way, else a new attempt. A key
   * seen before with another input hash fails with IDEMPOTENCY_CONFLICT and runs nothing.
   */
  run<P, R>(options: RunOptions<P, R>): Promise<R> {
    const slots = this.slotsOf(options.scope);
    const id = `${options.kind}:${options.key}`;
    let slot = slots.get(id);
    if (slot && slot.hash !== options.hash) return Promise.reject(new IdempotencyConflictError(options.key));
    if (slot?.done) return Promise.resolve(slot.done.value as R);
    if (slot?.pending) return slot.pending as Promise<R>;

    if (!slot) {
      slot = { hash: options.hash, progress: options.start() };
      slots.set(id, slot);
    }
    const current = slot;
    const pending = options.work(current.progress as P).then(
      (value) => {
        current.pending = undefined;
        current.done = { value };
        // Re-set so a result lives its full TTL from completion, not from the first attempt.
        slots.set(id, current);
        return value;
      },
      (error: unknown) => {
        current.pending = undefined;
        const keep = typeof options.keepOnFailure === 'function' ? options.keepOnFailure(current.progress as P) : options.keepOnFailure;
        if (!keep && slots.get(id) === current) slots.delete(id);
        throw error;
      },
    );
    current.pending = pending;
    return pending;
  }

  private slotsOf(scope: string): LRUCache<string, Slot> {
    let slots = this.scopes.get(scope);
    if (!slots) {
      slots = new LRUCache<string, Slot>({ max: this.options.maxKeysPerToken, ttl: this.options.ttlMs, ttlAutopurge: false });
      this.scopes.set(scope, slots);
    }
    return slots;
  }
}

/** SHA-256 of a canonical JSON rendering (object keys sorted), so equal inputs hash equal. */
export function inputHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// Runs each keyed write once: concurrent requests with one key in this process share one
// attempt (a map of pending promises above the store), and the durable record in the
// IdempotencyStore answers repeats, conflicts and resumes across restarts. The record is
// created lazily, at the write's first checkpoint: the write calls it only after a Dixa
// read for this token succeeded and right before its first request that changes Dixa,
// so tokens Dixa refuses never get a record (and cannot crowd out anyone's).
import type { Logger } from 'pino';
import { IdempotencyConflictError, IdempotencyKeyBusyError } from '../errors.js';
import type { IdempotencyKind, IdempotencyStore, RecordRef } from './idempotency-store.js';

/** Persists the write's progress: claims the record the first time, saves it after that. */
export type Checkpoint = () => Promise<void>;

export interface RunOptions<P, R> {
  scope: string;
  kind: IdempotencyKind;
  key: string;
  /** inputHash() of everything that defines the write, the key excluded. */
  hash: string;
  /** The progress record a first attempt starts from (JSON-serialisable). */
  start: () => P;
  /** The write itself: it updates `progress` and calls `checkpoint` before each change to Dixa. */
  work: (progress: P, checkpoint: Checkpoint) => Promise<R>;
  /**
   * After a failure: keep the record (its progress lets a retry resume) or forget it (a
   * retry starts over, which is safe when Dixa itself dedupes, as with message externalIds).
   */
  keepOnFailure: boolean | ((progress: P) => boolean);
}

interface Pending {
  hash: string;
  promise: Promise<unknown>;
}

/** A claim found the write already finished elsewhere: its result is the answer. */
class FinishedElsewhere {
  constructor(readonly value: unknown) {}
}

export class IdempotentWrites {
  private readonly pending = new Map<string, Pending>();

  constructor(
    readonly store: IdempotencyStore,
    private readonly logger?: Logger,
  ) {}

  /**
   * The stored result for this key, else the attempt under way, else a new (or resumed)
   * attempt. A key seen before with another input hash fails with IDEMPOTENCY_CONFLICT
   * and runs nothing.
   */
  run<P, R>(options: RunOptions<P, R>): Promise<R> {
    const id = `${options.scope}\u0000${options.kind}\u0000${options.key}`;
    const running = this.pending.get(id);
    if (running) {
      if (running.hash !== options.hash) return Promise.reject(new IdempotencyConflictError(options.key));
      return running.promise as Promise<R>;
    }
    const promise = this.attempt(options);
    const entry: Pending = { hash: options.hash, promise };
    this.pending.set(id, entry);
    const forget = () => {
      if (this.pending.get(id) === entry) this.pending.delete(id);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Attempts under way in this process (for tests and metrics). */
  get running(): number {
    return this.pending.size;
  }

  private async attempt<P, R>(options: RunOptions<P, R>): Promise<R> {
    const ref: RecordRef = { scope: options.scope, kind: options.kind, key: options.key };
    const record = await this.store.get(ref);
    if (record && record.hash !== options.hash) throw new IdempotencyConflictError(options.key);
    if (record?.result) return record.result.value as R;
    // Another replica is running this write right now: resuming it here would send it twice.
    if (record?.busy) throw new IdempotencyKeyBusyError(options.key);
    const progress = record ? (record.progress as P) : options.start();
    let claimed = record !== undefined;

    const checkpoint: Checkpoint = async () => {
      if (claimed) return this.store.saveProgress(ref, progress);
      const outcome = await this.store.claim(ref, options.hash, progress);
      if (!outcome.claimed) {
        if (outcome.record.hash !== options.hash) throw new IdempotencyConflictError(options.key);
        if (outcome.record.result) throw new FinishedElsewhere(outcome.record.result.value);
        throw new IdempotencyKeyBusyError(options.key);
      }
      claimed = true;
    };

    let value: R;
    try {
      value = await options.work(progress, checkpoint);
      // A write that changed nothing in Dixa never checkpointed; its result is recorded all the same.
      if (!claimed) await checkpoint();
    } catch (error) {
      if (error instanceof FinishedElsewhere) return error.value as R;
      if (claimed) await this.afterFailure(ref, options, progress);
      throw error;
    }
    await this.store.saveResult(ref, value);
    return value;
  }

  private async afterFailure<P, R>(ref: RecordRef, options: RunOptions<P, R>, progress: P): Promise<void> {
    const keep = typeof options.keepOnFailure === 'function' ? options.keepOnFailure(progress) : options.keepOnFailure;
    try {
      if (keep) {
        await this.store.saveProgress(ref, progress);
        await this.store.unlock?.(ref);
      } else await this.store.release(ref);
    } catch (storeError) {
      // The write's own error is what the caller needs; the record keeps its last saved state.
      this.logger?.error({ err: storeError, kind: ref.kind }, 'idempotency record could not be updated after a failed write');
    }
  }
}

// A bound on how long a Redis command may take. node-redis fails fast while disconnected,
// but a Redis that is reachable and stalled (or a link that has silently died) would keep
// a command waiting; callers that have a fallback (the local rate budget, the first cache
// level) or must answer (a refused write) take it after this long instead.

export class RedisTimeoutError extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`);
    this.name = 'RedisTimeoutError';
  }
}

export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisTimeoutError(ms)), ms);
    timer.unref();
  });
  // A late answer or failure of the command itself is of no interest once the deadline has passed.
  promise.catch(() => undefined);
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

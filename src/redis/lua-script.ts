// A Lua script run by its SHA-1 (EVALSHA), sent in full (EVAL, which also caches it) only
// when Redis answers NOSCRIPT: after a restart or a SCRIPT FLUSH, or on a new shard.
import { createHash } from 'node:crypto';
import type { RedisClient } from './connection.js';

export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** What the script returns, as the caller knows it to be. */
  async run<T = unknown>(client: RedisClient, keys: string[], args: (string | number)[]): Promise<T> {
    const options = { keys, arguments: args.map(String) };
    try {
      return (await client.evalSha(this.sha, options)) as T;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await client.eval(this.source, options)) as T;
    }
  }
}

// A Lua script run by its SHA (EVALSHA), loaded on first use and again after a Redis
// restart forgot it (NOSCRIPT). A script runs atomically: what it checks and what it
// writes cannot be split by another replica's command.
import { createHash } from 'node:crypto';
import { ErrorReply, type RedisArgument } from 'redis';
import type { RedisClient } from './connection.js';

export class RedisScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run<T>(client: RedisClient, keys: RedisArgument[], args: RedisArgument[]): Promise<T> {
    try {
      return (await client.evalSha(this.sha, { keys, arguments: args })) as T;
    } catch (error) {
      if (!(error instanceof ErrorReply) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await client.eval(this.source, { keys, arguments: args })) as T;
    }
  }
}

// The process's Redis connection (node-redis), for the state replicas share. One command
// connection for the whole process and, on demand, dedicated connections for what blocks or
// subscribes (pub/sub, XREAD BLOCK). Reconnects with capped, jittered backoff forever; while
// Redis is away, commands fail at once (no offline queue) so callers can fall back or refuse
// instead of hanging. The URL may carry a password: it is never logged.
import { createClient } from 'redis';
import type { Logger } from 'pino';

export type RedisClient = ReturnType<typeof createClient>;

export interface RedisConnection {
  /** Commands; fails fast while disconnected. */
  readonly client: RedisClient;
  /** True while the command connection is up. */
  isReady(): boolean;
  /** A new connection of its own (pub/sub, blocking reads), closed with this one. */
  dedicated(purpose: string): Promise<RedisClient>;
  close(): Promise<void>;
}

/** Capped exponential backoff with jitter, so replicas do not reconnect in step. */
export function reconnectDelayMs(retries: number): number {
  const ceiling = Math.min(5_000, 100 * 2 ** Math.min(retries, 10));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

export function openRedis(url: string, logger: Logger): RedisConnection {
  const log = logger.child({ component: 'redis' });
  const make = (purpose: string): RedisClient => {
    const client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 5_000, reconnectStrategy: reconnectDelayMs },
    });
    let down = false;
    client.on('error', (error: Error) => {
      // node-redis reports every failed reconnect; one line per outage is enough.
      if (down) return;
      down = true;
      log.warn({ purpose, reason: error.message }, 'Redis is unavailable; retrying in the background');
    });
    client.on('ready', () => {
      if (down) log.info({ purpose }, 'Redis is back');
      down = false;
    });
    // Not awaited: the gateway starts (and falls back) while Redis is still away.
    client.connect().catch(() => undefined);
    return client;
  };

  const client = make('commands');
  const others: RedisClient[] = [];
  return {
    client,
    isReady: () => client.isReady,
    async dedicated(purpose) {
      const other = make(purpose);
      others.push(other);
      return other;
    },
    async close() {
      // A connection still reconnecting would wait for Redis to quit: it is dropped at once instead.
      await Promise.all([client, ...others].map((c) => (!c.isOpen ? undefined : c.isReady ? c.quit().catch(() => c.disconnect()) : c.disconnect())));
    },
  };
}

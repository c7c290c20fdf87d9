// Redis key names, in one place. Every key of one token carries the token's fingerprint as
// a Redis Cluster hash tag ({<fingerprint>}), so one token's keys live on one shard and a
// Lua script may touch several of them; no key ever contains a token.

const PREFIX = 'dixa-gw';

/** A key of one token's state: `dixa-gw:{<fingerprint>}:<part>:…`. */
export function tokenKey(fingerprint: string, ...parts: (string | number)[]): string {
  return `${PREFIX}:{${fingerprint}}:${parts.join(':')}`;
}

/** The pub/sub channel on which replicas tell each other what changed in the cache. */
export const CACHE_CHANGES_CHANNEL = `${PREFIX}:cache-changes`;

// Per token, the keys that seal its second-level cache entries in Redis, derived from the
// token with HKDF-SHA-256: one for AES-256-GCM (values) and one for HMAC (entry and tag
// names, which may otherwise carry e-mail addresses or search text). They live in this
// process's memory only, keyed by fingerprint, never in Redis: a Redis dump holds neither
// customer data nor what it would take to read it, and one tenant's key cannot open
// another's entries (it needs that tenant's token). Every replica derives the same keys.
import { hkdfSync } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export interface TenantKeys {
  /** AES-256-GCM key for values. */
  value: Buffer;
  /** HMAC-SHA-256 key for entry and tag names. */
  names: Buffer;
}

const SALT = 'dixa-gw second-level cache v1';

export function deriveTenantKeys(token: string): TenantKeys {
  const secret = token.trim();
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, SALT, info, 32));
  return { value: derive('value encryption'), names: derive('entry names') };
}

/** Keys of the tokens seen recently (bounded: a token seen again is simply derived again). */
export class TenantKeyring {
  private readonly keys: LRUCache<string, TenantKeys>;

  constructor(maxTokens = 10_000) {
    this.keys = new LRUCache({ max: maxTokens });
  }

  admit(fingerprint: string, token: string): void {
    if (!this.keys.get(fingerprint)) this.keys.set(fingerprint, deriveTenantKeys(token));
  }

  get(fingerprint: string): TenantKeys | undefined {
    return this.keys.get(fingerprint);
  }
}

// Caller authentication: callers send `Authorization: Bearer <key>`, keys come from
// GATEWAY_API_KEYS. Keys are held and compared as SHA-256 digests in constant time, so
// neither a timing difference nor a heap dump gives one away. (Without keys the gateway
// may only listen on loopback: see listenRefusal in config.ts.)
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export class CallerAuth {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** False when GATEWAY_API_KEYS is unset: every caller on loopback is let in. */
  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** Accepts `Bearer <key>` (any case, surrounding spaces ignored) for any configured key. */
  allows(authorization: string | undefined): boolean {
    if (!this.enabled) return true;
    const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return false;
    const candidate = digest(match[1] as string);
    // Compare against every key, so the time taken does not say which one matched.
    let ok = false;
    for (const known of this.digests) ok = timingSafeEqual(known, candidate) || ok;
    return ok;
  }
}

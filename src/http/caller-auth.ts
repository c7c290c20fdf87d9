// Caller authentication: callers send `Authorization: Bearer <key>`, keys come from
// GATEWAY_API_KEYS. Keys are held and compared as SHA-256 digests in constant time, so
// neither a timing difference nor a heap dump gives one away. With no keys configured the
// gateway refuses to listen anywhere but loopback.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

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

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/** Why the gateway may not start as configured, or undefined when it may. */
export function listenRefusal(host: string, keys: readonly string[]): string | undefined {
  if (keys.length > 0 || isLoopbackHost(host)) return undefined;
  return `HOST=${host} would expose the gateway beyond this machine, and GATEWAY_API_KEYS is not set, so anyone could read and write Dixa conversations. Set GATEWAY_API_KEYS (comma-separated keys callers send as "Authorization: Bearer <key>") or listen on 127.0.0.1.`;
}

// A token's fingerprint: SHA-256 of the trimmed token, hex. Caches, rate-limit buckets and
// logs are keyed by it, so a token never sits in memory structures or log lines.
import { createHash } from 'node:crypto';

export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token.trim()).digest('hex');
}

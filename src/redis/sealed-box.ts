// Values the gateway keeps in Redis on a token's behalf (cache entries, idempotency
// progress and results, events, the adopted webhook secret) are sealed with AES-256-GCM
// under a key derived from that token with HKDF-SHA256, so a Redis dump shows no customer
// data and no secret, and one tenant's values cannot be opened with another's key. The
// associated data binds a value to where it belongs (its purpose, or its Redis key): a
// sealed value moved elsewhere does not open.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'g1';

/** `g1.` + base64(iv | auth tag | ciphertext), bound to `associated`. */
export function seal(key: Buffer, associated: string, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associated, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

/** The plain text, or undefined when it was not sealed with this key for `associated`. */
export function open(key: Buffer, associated: string, sealed: string): string | undefined {
  if (!sealed.startsWith(`${VERSION}.`)) return undefined;
  const raw = Buffer.from(sealed.slice(VERSION.length + 1), 'base64');
  if (raw.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(associated, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** One token's key for one purpose (e.g. "event-log"): each purpose gets its own key. */
export class SealedBox {
  private readonly key: Buffer;

  constructor(
    token: string,
    private readonly purpose: string,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', token.trim(), 'dixa-gateway/redis', `dixa-gateway/${purpose}`, 32));
  }

  seal(plain: string): string {
    return seal(this.key, this.purpose, plain);
  }

  open(sealed: string): string | undefined {
    return open(this.key, this.purpose, sealed);
  }
}

// Values the gateway keeps in Redis for one token are sealed with AES-256-GCM under a key
// derived from that token with HKDF-SHA256 (one key per purpose), so a Redis dump shows no
// customer data and no secret, and one tenant's values cannot be opened with another's key.
// The associated data binds a value to its purpose: a sealed event is not a sealed secret.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'g1';

export class SealedBox {
  private readonly key: Buffer;
  private readonly aad: Buffer;

  /** `purpose` names what is sealed (e.g. "event-log"): each purpose gets its own key. */
  constructor(token: string, purpose: string) {
    this.key = Buffer.from(hkdfSync('sha256', token.trim(), 'dixa-gateway/redis', `dixa-gateway/${purpose}`, 32));
    this.aad = Buffer.from(purpose, 'utf8');
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(this.aad);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  /** The plain text, or undefined when the value was not sealed with this key and purpose. */
  open(sealed: string): string | undefined {
    if (!sealed.startsWith(`${VERSION}.`)) return undefined;
    const raw = Buffer.from(sealed.slice(VERSION.length + 1), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(this.aad);
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

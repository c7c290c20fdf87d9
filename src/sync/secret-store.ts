// The signing secret adopted from the Dixa subscription (configureWebhooks), kept durably
// in DATA_DIR so a restart still verifies deliveries. One small file, owner-only (0600),
// replaced atomically. It is a secret: never logged, never returned by the API.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_FILE = 'webhook-secret.json';

export interface AdoptedSecret {
  subscriptionId: string;
  url: string;
  secretHex: string;
}

export interface SecretStore {
  get(): AdoptedSecret | undefined;
  set(secret: AdoptedSecret): void;
}

const HEX = /^(?:[0-9a-f]{2})+$/i;

export function openSecretStore(dataDir: string): SecretStore {
  const file = join(dataDir, SECRET_FILE);
  let current: AdoptedSecret | undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<AdoptedSecret>;
    if (typeof parsed.subscriptionId === 'string' && typeof parsed.url === 'string' && typeof parsed.secretHex === 'string' && HEX.test(parsed.secretHex)) {
      current = { subscriptionId: parsed.subscriptionId, url: parsed.url, secretHex: parsed.secretHex };
    }
  } catch {
    // No file yet (or an unreadable one): nothing adopted.
  }
  return {
    get: () => current,
    set(secret) {
      if (!HEX.test(secret.secretHex)) throw new Error('The subscription secretKey is not hex.');
      if (current && current.subscriptionId === secret.subscriptionId && current.secretHex === secret.secretHex && current.url === secret.url) return;
      mkdirSync(dataDir, { recursive: true });
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(secret), { mode: 0o600 });
      chmodSync(temp, 0o600);
      renameSync(temp, file);
      current = { ...secret };
    },
  };
}

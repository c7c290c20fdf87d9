// Verifies Dixa's X-DIXA-SIGNATURE (REFERENCE.md §5): `t=<ms>,v1=<hex>`, where v1 is
// HMAC-SHA256 keyed with the hex-DECODED subscription secret over `t + "." + raw body`.
// Pure: the clock is a parameter, and every failure is a value with a code.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureFailureCode =
  | 'WEBHOOK_SIGNATURE_MISSING'
  | 'WEBHOOK_SIGNATURE_MALFORMED'
  | 'WEBHOOK_TIMESTAMP_STALE'
  | 'WEBHOOK_SIGNATURE_MISMATCH';

export type SignatureVerdict =
  | { ok: true; timestampMs: number }
  | { ok: false; code: SignatureFailureCode; reason: string };

export interface VerifyOptions {
  /** Milliseconds since the epoch; injectable so tests can replay old vectors. */
  now: number;
  /** How far `t` may be from `now`, either way; 0 turns the freshness check off. */
  toleranceMs: number;
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** Decodes the subscription's hex secretKey; the config has already checked it is hex. */
export function webhookKey(secretHex: string): Buffer {
  return Buffer.from(secretHex.trim(), 'hex');
}

export function signatureOf(key: Buffer, timestamp: string, rawBody: Buffer): Buffer {
  return createHmac('sha256', key).update(`${timestamp}.`).update(rawBody).digest();
}

/** `t` as sent is what was signed; Dixa sends milliseconds, but 10-digit seconds are read too. */
function timestampMsOf(t: string): number | undefined {
  if (!/^\d{1,16}$/.test(t)) return undefined;
  const n = Number(t);
  return t.length <= 11 ? n * 1000 : n;
}

/** The header's parts, or why it cannot be a Dixa signature. */
type ParsedHeader =
  | { ok: true; t: string; timestampMs: number; candidates: string[] }
  | { ok: false; code: SignatureFailureCode; reason: string };

function parseSignatureHeader(header: string | undefined): ParsedHeader {
  if (header === undefined || header.trim() === '') {
    return { ok: false, code: 'WEBHOOK_SIGNATURE_MISSING', reason: 'The X-DIXA-SIGNATURE header is missing.' };
  }
  let t: string | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (name === 't') t = value;
    // More than one v1 may come while a secret is being rotated; any match will do.
    else if (name === 'v1' && SHA256_HEX.test(value)) candidates.push(value);
  }
  const timestampMs = t === undefined ? undefined : timestampMsOf(t);
  if (t === undefined || timestampMs === undefined || candidates.length === 0) {
    return {
      ok: false,
      code: 'WEBHOOK_SIGNATURE_MALFORMED',
      reason: 'X-DIXA-SIGNATURE must look like t=<milliseconds>,v1=<64 hex characters>.',
    };
  }
  return { ok: true, t, timestampMs, candidates };
}

function staleness(timestampMs: number, options: VerifyOptions): SignatureVerdict | undefined {
  if (options.toleranceMs > 0 && Math.abs(options.now - timestampMs) > options.toleranceMs) {
    return {
      ok: false,
      code: 'WEBHOOK_TIMESTAMP_STALE',
      reason: `The signature timestamp is more than ${Math.round(options.toleranceMs / 1000)} s away from the gateway's clock.`,
    };
  }
  return undefined;
}

/**
 * What can be judged from the header alone: missing, malformed or stale. Checked before the
 * body is read, so an unsigned or replayed request costs no buffering. (The tolerance is
 * documented, so refusing a stale timestamp before the MAC tells a forger nothing new.)
 */
export function precheckDixaSignature(header: string | undefined, options: VerifyOptions): SignatureVerdict {
  const parsed = parseSignatureHeader(header);
  if (!parsed.ok) return parsed;
  return staleness(parsed.timestampMs, options) ?? { ok: true, timestampMs: parsed.timestampMs };
}

export function verifyDixaSignature(
  rawBody: Buffer,
  header: string | undefined,
  key: Buffer,
  options: VerifyOptions,
): SignatureVerdict {
  const parsed = parseSignatureHeader(header);
  if (!parsed.ok) return parsed;
  const expected = signatureOf(key, parsed.t, rawBody);
  const matches = parsed.candidates.some((candidate) => {
    const given = Buffer.from(candidate, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) {
    return {
      ok: false,
      code: 'WEBHOOK_SIGNATURE_MISMATCH',
      reason: "The signature does not match the body: check DIXA_WEBHOOK_SECRET against the subscription's secretKey.",
    };
  }
  return staleness(parsed.timestampMs, options) ?? { ok: true, timestampMs: parsed.timestampMs };
}

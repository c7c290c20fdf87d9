// Decodes Dixa webhook bodies (datasources/dixa/webhook-types.ts) into the few facts the
// log indexes. Unknown fields are kept in the stored body, never dropped.
import type { DecodedWebhook, WebhookEnvelope } from '../datasources/dixa/webhook-types.js';
import { toIsoDateTime } from '../mapping/timestamp.js';
import { eventFqnOf } from '../mapping/vocabulary.js';

export type DecodeResult = { ok: true; event: DecodedWebhook } | { ok: false; code: 'WEBHOOK_PAYLOAD_INVALID'; reason: string };

const CSID = /^\d{1,16}$/;

/**
 * Dixa's csid as a string of digits, exactly: a JSON number above 2^53 has already been
 * rounded by JSON.parse, so only safe integers (or digit strings within them) are taken.
 */
function conversationIdOf(csid: unknown): string | undefined {
  if (typeof csid === 'number') return Number.isSafeInteger(csid) && csid > 0 ? String(csid) : undefined;
  if (typeof csid !== 'string' || !CSID.test(csid.trim())) return undefined;
  const id = Number(csid.trim());
  return Number.isSafeInteger(id) && id > 0 ? String(id) : undefined;
}

function invalid(reason: string): DecodeResult {
  return { ok: false, code: 'WEBHOOK_PAYLOAD_INVALID', reason };
}

export function decodeWebhook(rawBody: Buffer, receivedAtMs: number): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return invalid('The webhook body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return invalid('The webhook body must be a JSON object.');
  const envelope = parsed as WebhookEnvelope;
  if (typeof envelope.event_id !== 'string' || envelope.event_id.trim() === '' || envelope.event_id.length > 200) {
    return invalid('The webhook body has no event_id.');
  }
  if (typeof envelope.event_fqn !== 'string' || envelope.event_fqn.trim() === '' || envelope.event_fqn.length > 200) {
    return invalid('The webhook body has no event_fqn.');
  }
  const data = typeof envelope.data === 'object' && envelope.data !== null ? envelope.data : undefined;
  const conversationId = conversationIdOf(data?.conversation?.csid);
  if (conversationId === undefined) {
    // Stored events are read by conversation: one the gateway could not serve is refused, not kept unreadable.
    return invalid(
      'The webhook has no usable data.conversation.csid (a positive integer up to 9007199254740991); the gateway stores conversation events only.',
    );
  }
  return {
    ok: true,
    event: {
      eventId: envelope.event_id.trim(),
      fqn: eventFqnOf(envelope.event_fqn),
      occurredAt: toIsoDateTime(envelope.event_timestamp) ?? new Date(receivedAtMs).toISOString(),
      conversationId,
      envelope,
    },
  };
}

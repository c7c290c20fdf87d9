// Decodes Dixa webhook bodies (datasources/dixa/webhook-types.ts) into the few facts the
// log indexes. Unknown fields are kept in the stored body, never dropped.
import type { DecodedWebhook, WebhookEnvelope } from '../datasources/dixa/webhook-types.js';
import { toIsoDateTime } from '../mapping/timestamp.js';
import { eventFqnOf } from '../mapping/vocabulary.js';

export type DecodeResult = { ok: true; event: DecodedWebhook } | { ok: false; code: 'WEBHOOK_PAYLOAD_INVALID'; reason: string };

const CSID = /^\d{1,18}$/;

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
  const csid = data?.conversation?.csid;
  const conversationId = csid !== undefined && CSID.test(String(csid)) ? String(Number(csid)) : null;
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

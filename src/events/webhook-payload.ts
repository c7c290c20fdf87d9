// Dixa webhook bodies (REFERENCE.md §5 "Envelope and shared objects"), typed with every
// field optional because Dixa calls its payloads "dynamic", and decoded into the few
// facts the log indexes. Unknown fields are kept in the stored body, never dropped.
import { toIsoDateTime } from '../mapping/timestamp.js';
import { eventFqnOf } from '../mapping/vocabulary.js';

export interface WebhookUser {
  id?: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  roles?: string[];
  user_type?: string;
}

export interface WebhookTag {
  id?: string;
  name?: string;
  is_deactivated?: boolean;
}

export interface WebhookConversation {
  csid?: number | string;
  /** UPPER_SNAKE: EMAIL, WIDGET_CHAT, ... */
  channel?: string;
  /** OPEN, PENDING, CLOSED */
  status?: string;
  /** INBOUND, OUTBOUND */
  direction?: string;
  queue?: { id?: string; name?: string } | null;
  contact_point?: string | null;
  requester?: WebhookUser | null;
  assignee?: WebhookUser | null;
  subject?: string | null;
  tags?: WebhookTag[];
  created_at?: string;
}

export interface WebhookContent {
  text?: string | null;
  content_type?: string | null;
  original_content_url?: string | null;
  processed_content_url?: string | null;
}

/** `data` of every conversation event; which fields come depends on the event. */
export interface WebhookData {
  conversation?: WebhookConversation;
  author?: WebhookUser | null;
  // ConversationMessageAdded
  message_id?: string;
  text?: string | null;
  /** Lower case here: inbound, outbound. */
  direction?: string;
  channel?: string;
  content?: WebhookContent | null;
  attachments?: unknown[];
  external_id?: string | null;
  created_at?: string;
  // ConversationNoteAdded
  note_id?: string;
  // ConversationTagAdded / Removed: the tag's name
  tag?: string | { id?: string; name?: string };
  [field: string]: unknown;
}

export interface WebhookEnvelope {
  event_id?: string;
  event_fqn?: string;
  event_version?: string;
  event_timestamp?: string;
  organization?: { id?: string; name?: string };
  data?: WebhookData;
}

/** What the log indexes an event by. */
export interface DecodedWebhook {
  eventId: string;
  /** UPPER_SNAKE, as Dixa sends it. */
  fqn: string;
  /** ISO-8601; the receipt time when Dixa sent none. */
  occurredAt: string;
  /** Dixa's csid as a string of digits. */
  conversationId: string;
  envelope: WebhookEnvelope;
}

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

// Dixa's webhook bodies on the wire (REFERENCE.md §5 "Envelope and shared objects"), typed
// with every field optional because Dixa calls its payloads "dynamic", beside the REST
// types in types.ts; and what the gateway decodes from one (events/webhook-payload.ts).

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

// Dixa REST shapes, typed once, and the few numbers Dixa fixes. These follow
// ../shared/dixa/dixa-openapi.yaml and REFERENCE.md; only the fields the gateway reads or
// writes are spelled out, and every union carries Dixa's `_type` discriminator. The fake
// Dixa (src/demo) has its own reading of the spec (wire.ts), so a misreading shared by
// both cannot hide; the fixture contract test checks the fake against Dixa's samples.

/** Dixa's search takes at most 50 per page; the directory lists are fetched in pages this big. */
export const MAX_PAGE_LIMIT = 50;

/** `{data: T}` — every Dixa success body but `/agents/presence`. */
export interface DixaEnvelope<T> {
  data: T;
}

/** A paginated list; `meta.next` is a relative URL that already carries the version prefix. */
export interface DixaPage<T> {
  data: T[];
  meta?: { next?: string | null; previous?: string | null };
}

/** Dixa's only error shape. */
export interface DixaErrorBody {
  message: string;
}

// ---------------------------------------------------------------- values (REST spelling)

export type DixaChannel =
  | 'Email'
  | 'ContactForm'
  | 'WidgetChat'
  | 'Messenger'
  | 'FacebookMessenger'
  | 'WhatsApp'
  | 'Sms'
  | 'PstnPhone'
  | 'Voicemail'
  | 'Callback'
  | 'Twitter'
  // Dixa adds channels over time; unknown ones pass through as strings.
  | (string & {});

export type DixaConversationState = 'Open' | 'Pending' | 'AwaitingPending' | 'Closed';
export type DixaDirection = 'Inbound' | 'Outbound' | 'Internal';
export type DixaContentType = 'Text' | 'Html' | 'Markdown';

// ---------------------------------------------------------------- conversations

export interface DixaCustomAttribute {
  id: string;
  name?: string | null;
  identifier: string;
  /** A string (Text attribute) or a list of strings (Select attribute). */
  value?: string | string[] | null;
}

export interface DixaAssignment {
  agentId: string;
  assignedAt?: string | null;
}

export interface DixaConversationQueue {
  id: string;
  queuedAt?: string | null;
}

export type DixaConversationType =
  | 'EmailConversation'
  | 'ContactFormConversation'
  | 'ChatConversation'
  | 'MessengerConversation'
  | 'SmsConversation'
  | 'WhatsAppConversation'
  | 'FacebookMessengerConversation'
  | 'TwitterConversation'
  | 'PstnPhoneConversation'
  | 'GenericConversation'
  | 'AnonymizedConversation'
  | (string & {});

/**
 * One record for every conversation variant: the variant-only fields are optional and
 * `_type` says which apply. (A discriminated union buys little here: the gateway reads
 * the common fields and only a handful of variant ones.)
 */
export interface DixaConversation {
  _type: DixaConversationType;
  id: number;
  requesterId: string;
  channel: DixaChannel;
  createdAt: string;
  direction?: DixaDirection | null;
  state?: DixaConversationState | null;
  stateUpdatedAt?: string | null;
  assignment?: DixaAssignment | null;
  queue?: DixaConversationQueue | null;
  customAttributes?: DixaCustomAttribute[] | null;
  link?: { parentId: number; _type: string } | null;
  language?: string | null;
  subject?: string | null;
  // Email / ContactForm
  fromEmail?: string | null;
  toEmail?: string | null;
  integrationEmail?: string | null;
  // Chat / Messenger
  browserInfo?: { name: string; version?: string; ipAddress?: string; originatingUrl?: string } | null;
  // Sms
  fromNumber?: string | null;
  toNumber?: string | null;
  // Anonymized
  anonymizedAt?: string | null;
}

// ---------------------------------------------------------------- messages

export interface DixaContent {
  _type: DixaContentType;
  value: string;
}

export interface DixaFile {
  url: string;
  prettyName?: string | null;
}

export interface DixaEmailContact {
  email: string;
  name?: string | null;
}

export type DixaEmailContent =
  | { _type: 'Regular'; content: DixaContent }
  | { _type: 'TooLarge'; file: DixaFile };

interface DixaEmailLikeAttributes {
  emailContent?: DixaEmailContent | null;
  from?: DixaEmailContact | null;
  to?: DixaEmailContact[];
  cc?: DixaEmailContact[];
  bcc?: DixaEmailContact[];
  isAutoReply?: boolean;
  inlineImages?: DixaFile[];
  attachments?: DixaFile[];
  deliveryFailureReason?: string | null;
  direction?: DixaDirection | null;
  originalContentUrl?: { url: string } | null;
}

export interface DixaEmailAttributes extends DixaEmailLikeAttributes {
  _type: 'EmailAttributes';
}

export interface DixaContactFormAttributes extends DixaEmailLikeAttributes {
  _type: 'ContactFormAttributes';
  replyDefaultToEmails?: string[];
}

export interface DixaChatAttributes {
  _type: 'ChatAttributes';
  content?: DixaContent | null;
  direction?: DixaDirection | null;
  attachments?: DixaFile[];
  isAutomated?: boolean;
}

/** Messaging channels that share the plain content shape. */
export interface DixaPlainAttributes {
  _type:
    | 'SmsAttributes'
    | 'WhatsAppAttributes'
    | 'FacebookMessengerAttributes'
    | 'TwitterAttributes'
    | 'GenericAttributes';
  content?: DixaContent | null;
  direction?: DixaDirection | null;
  attachments?: DixaFile[];
}

export interface DixaMessengerFormAttributes {
  _type: 'MessengerFormAttributes';
  formSubmission?: { values?: Record<string, unknown> } | null;
  content?: DixaContent | null;
  direction?: DixaDirection | null;
}

export interface DixaPhoneAttributes {
  _type: 'PhoneAttributes';
  from: string | number;
  to: string | number;
  direction?: DixaDirection | null;
  duration?: number | null;
}

export interface DixaCallRecordingAttributes {
  _type: 'CallRecordingAttributes';
  recording: string;
  duration?: number | null;
}

export interface DixaTranscriptAttributes {
  _type: 'TranscriptAttributes';
  content?: DixaContent | null;
  utterance_start_ms?: number | null;
  utterance_end_ms?: number | null;
  direction?: DixaDirection | null;
}

export type DixaMessageAttributes =
  | DixaEmailAttributes
  | DixaContactFormAttributes
  | DixaChatAttributes
  | DixaPlainAttributes
  | DixaMessengerFormAttributes
  | DixaPhoneAttributes
  | DixaCallRecordingAttributes
  | DixaTranscriptAttributes;

export interface DixaMessage {
  id: string;
  authorId: string;
  externalId?: string | null;
  createdAt: string;
  attributes: DixaMessageAttributes;
}



// ---------------------------------------------------------------- notes, tags

export interface DixaNote {
  id: string;
  authorId?: string | null;
  createdAt: string;
  csid: number;
  message: string;
}

export interface DixaTag {
  id: string;
  name: string;
  color?: string | null;
  state?: 'Active' | 'Inactive' | null;
}

// ---------------------------------------------------------------- users, queues, org

export interface DixaEndUser {
  id: string;
  createdAt: string;
  displayName?: string | null;
  email?: string | null;
  phoneNumber?: string | null;
  additionalEmails?: string[];
  additionalPhoneNumbers?: string[];
  firstName?: string | null;
  lastName?: string | null;
  middleNames?: string[];
  avatarUrl?: string | null;
  externalId?: string | null;
  customAttributes?: DixaCustomAttribute[] | null;
}

export interface DixaAgent {
  id: string;
  createdAt: string;
  displayName: string;
  email: string;
  avatarUrl?: string | null;
  phoneNumber?: string | null;
  additionalEmails?: string[];
  additionalPhoneNumbers?: string[];
  firstName?: string | null;
  lastName?: string | null;
  middleNames?: string[];
  roles?: string[];
}

export interface DixaQueue {
  id: string;
  /** Required by Dixa; absent only when the gateway knows a queue by id alone. */
  name?: string;
  isDefault?: boolean;
  organizationId?: string;
  priority?: number;
}

export interface DixaOrganization {
  id: string;
  name: string;
  subdomain?: string;
  status?: 'Active' | 'Suspended';
  avatarUrl?: string | null;
}

// ---------------------------------------------------------------- search

export interface DixaSearchHit {
  id: number;
  highlights?: Record<string, string[]>;
}

/** One search condition: `{field: {_type: <Field>, operator: {_type: <Op>, ...}}}`. */
export interface DixaSearchCondition {
  field: {
    _type: string;
    attributeId?: string;
    operator: { _type: string; values?: unknown[]; timestamp?: string; timestampFrom?: string; timestampTo?: string };
  };
}

export interface DixaSearchRequest {
  query?: { value: string; exactMatch?: boolean };
  filters?: { strategy: 'All' | 'Any'; conditions: DixaSearchCondition[] };
}

// ---------------------------------------------------------------- writes (requests)

export interface DixaInboundMessageInput {
  _type: 'Inbound';
  content: DixaContent;
  attachments?: DixaFile[];
  integrationEmail?: string;
  externalId?: string;
}

export interface DixaOutboundMessageInput {
  _type: 'Outbound';
  agentId: string;
  content?: DixaContent;
  attachments?: DixaFile[];
  integrationEmail?: string;
  externalId?: string;
  cc?: string[];
  bcc?: string[];
}

export type DixaMessageInput = DixaInboundMessageInput | DixaOutboundMessageInput;

/** `POST /conversations/{id}/messages` answers 200 with this. */
export interface DixaAddedMessage {
  messageId: string;
  authorId: string;
  direction?: DixaDirection;
  createdAt: string;
  content?: DixaContent;
  externalId?: string | null;
}

export type DixaCreateConversationInput =
  | { _type: 'Email' | 'ContactForm'; requesterId: string; emailIntegrationId: string; subject: string; message: DixaMessageInput; language?: string }
  | { _type: 'Chat'; requesterId: string; widgetId: string; message: DixaMessageInput; language?: string; browserInfo?: { name: string; version?: string } }
  | { _type: 'Sms'; requesterId: string; contactEndpointId: string; message: DixaOutboundMessageInput };

export interface DixaEndUserInput {
  displayName?: string;
  email?: string;
  phoneNumber?: string;
  firstName?: string;
  lastName?: string;
  avatarUrl?: string;
  externalId?: string;
}

/**
 * A message as the gateway keeps it: Dixa's message plus the conversation it belongs to
 * (Dixa's list leaves that out; the datasource adds it once, when the list is fetched).
 */
export interface DixaConversationMessage extends DixaMessage {
  conversationId: number;
}

// ------------------------------------------------------------ webhooks and activity log (sync)

export interface DixaWebhookCondition {
  _type: 'IsOneOf' | 'IsNotOneOf';
  field: string;
  values: string[];
}

/** `filters` of a subscription: keyed like the spec's example (`Conversation`). */
export type DixaWebhookFilters = Record<string, { _type?: string; strategy: 'All' | 'Any'; conditions: DixaWebhookCondition[] }>;

/** WebhookSubscription. `secretKey` signs deliveries: a secret, never logged or returned. */
export interface DixaWebhookSubscription {
  id: string;
  name: string;
  url: string;
  subscribedEvents?: string[];
  headers?: Record<string, string>;
  secretKey: string;
  enabled: boolean;
  filters?: DixaWebhookFilters | null;
  createdAt?: string;
  updatedAt?: string;
}

export type DixaWebhookAuthorization = { _type: 'NoAuth' } | { _type: 'TokenAuth'; value: string } | { _type: 'BasicAuth'; username: string; password: string };

/** CreateWebhookSubscriptionInput; PATCH takes the same fields, all optional. */
export interface DixaWebhookSubscriptionInput {
  name?: string;
  url?: string;
  events?: string[];
  authorization?: DixaWebhookAuthorization;
  customHeaders?: Record<string, string>;
  enabled?: boolean;
  filters?: DixaWebhookFilters;
}

/** EventDeliveryStatus: the last delivery of one subscribed event. */
export interface DixaEventDeliveryStatus {
  event: string;
  deliveryStatus:
    | { _type: 'DeliveryDetail'; deliveryTimestamp: string; success: boolean; responseCode: number; responseText?: string }
    | { _type: 'NoRecentDelivery' };
}

/** ActivityLogEntry of GET /conversations/activitylog; `attributes` depends on `_type`. */
export interface DixaActivityLogEntry {
  id: string;
  conversationId: number;
  activityTimestamp: string;
  _type: string;
  author?: { id: string; name?: string; email?: string; phoneNumber?: string };
  attributes?: Record<string, unknown>;
}

// Dixa's REST wire shapes as the fake emits and accepts them, written from
// ../shared/dixa/dixa-openapi.yaml (components/schemas, named in each comment) and
// REFERENCE.md — on purpose NOT imported from the gateway's own Dixa types, so a
// misreading of Dixa that the gateway makes cannot hide in a type both sides share. The
// contract test (test/fake-dixa-fixtures.test.ts) checks these answers against
// ../shared/dixa/fixtures over HTTP.
//
// The spec's oneOf unions declare no discriminator; Dixa's examples carry `_type`, so
// every union member here has it (REFERENCE.md §1 "Polymorphism").
//
// `| null` marks a field the fake may send as null. The spec declares these optional (absent),
// not nullable; the fake sends null for a value it does not have, and clients must read both.

/** Schema `Channel`/`Map_ConversationChannel_*` keys; Dixa adds channels, so any string passes. */
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
  | (string & {});

/** Conversation `state` ("values: [AwaitingPending, Closed, Open, Pending]"). */
export type DixaConversationState = 'Open' | 'Pending' | 'AwaitingPending' | 'Closed';

/** Conversation and message `direction` ("values: [Inbound, Internal, Outbound]"). */
export type DixaDirection = 'Inbound' | 'Outbound' | 'Internal';

// ---------------------------------------------------------------- organization

/** `OrganizationDetails` (GET /organization). */
export interface DixaOrganization {
  id: string;
  name: string;
  subdomain: string;
  status: 'Active' | 'Suspended';
  avatarUrl?: string;
}

// ---------------------------------------------------------------- conversations

/** `CustomAttribute`: `value` is a string (Text attribute) or a string[] (Select path). */
export interface DixaCustomAttribute {
  id: string;
  name: string;
  identifier: string;
  value: string | string[];
}

/** `Assignment`. */
export interface DixaAssignment {
  agentId: string;
  assignedAt: string;
}

/** `Queue` as nested in a conversation. */
export interface DixaConversationQueueRef {
  id: string;
  queuedAt?: string;
}

/** `ConversationLink` = EmailForward | FollowUp | SideConversation. */
export interface DixaConversationLink {
  _type: 'EmailForward' | 'FollowUp' | 'SideConversation';
  parentId: number;
}

/** `BrowserInfo`. */
export interface DixaBrowserInfo {
  name: string;
  version?: string;
  ipAddress?: string;
  originatingUrl?: string;
}

/**
 * `Conversation` = oneOf ChatConversation | EmailConversation | ContactFormConversation |
 * SmsConversation | ... | AnonymizedConversation. Kept as one record (fields common to every
 * variant, then each variant's own, optional here) because the fake builds a conversation
 * field by field for its channel; `_type` names the variant.
 */
export interface DixaConversation {
  _type: string;
  id: number;
  requesterId: string;
  channel: DixaChannel;
  createdAt: string;
  direction?: DixaDirection;
  state?: DixaConversationState;
  stateUpdatedAt?: string;
  /** null after a transfer to a queue: nobody holds the conversation. */
  assignment?: DixaAssignment | null;
  queue?: DixaConversationQueueRef;
  link?: DixaConversationLink;
  customAttributes?: DixaCustomAttribute[];
  transportExpiresAt?: string;
  language?: string;
  // EmailConversation (fromEmail, toEmail, integrationEmail required) / ContactFormConversation
  subject?: string;
  fromEmail?: string | null;
  toEmail?: string;
  integrationEmail?: string;
  // ChatConversation / MessengerConversation
  browserInfo?: DixaBrowserInfo;
  // SmsConversation
  fromNumber?: string | null;
  toNumber?: string | null;
  // GenericConversation
  fromContactPointId?: string;
  toContactPointId?: string;
  // TwitterConversation
  conversationType?: 'DirectMessage' | 'Tweet';
  contactPointTwitterId?: string;
  endUserTwitterId?: string;
  // AnonymizedConversation
  anonymizedAt?: string;
}

// ---------------------------------------------------------------- messages

/** `Content` = Html | Markdown | Text, each `{value}`. */
export interface DixaContent {
  _type: 'Text' | 'Html' | 'Markdown';
  value: string;
}

/** `File`. */
export interface DixaFile {
  url: string;
  prettyName?: string;
}

/** `EmailContact`. */
export interface DixaEmailContact {
  email: string;
  name?: string | null;
}

/** `EmailContent` = Regular {content} | TooLarge {file}. */
export type DixaEmailContent = { _type: 'Regular'; content: DixaContent } | { _type: 'TooLarge'; file: DixaFile };

/** Fields `EmailAttributes` and `ContactFormAttributes` share. */
interface EmailLikeAttributes {
  emailContent?: DixaEmailContent;
  to?: DixaEmailContact[];
  cc?: DixaEmailContact[];
  bcc?: DixaEmailContact[];
  isAutoReply: boolean;
  inlineImages?: DixaFile[];
  attachments?: DixaFile[];
  deliveryFailureReason?: string;
  direction?: DixaDirection;
  originalContentUrl?: DixaFile;
}

/** `EmailAttributes` (`from` required). */
export interface DixaEmailAttributes extends EmailLikeAttributes {
  _type: 'EmailAttributes';
  from: DixaEmailContact;
}

/**
 * `ContactFormAttributes` (`from` optional). The spec types `replyDefaultToEmails` as
 * EmailContact[]; the fake sends plain addresses (string[]), as REFERENCE.md §3 reads it.
 */
export interface DixaContactFormAttributes extends EmailLikeAttributes {
  _type: 'ContactFormAttributes';
  from?: DixaEmailContact;
  replyDefaultToEmails?: string[];
}

/** `ChatAttributes` (`isAutomated` required). */
export interface DixaChatAttributes {
  _type: 'ChatAttributes';
  content?: DixaContent | null;
  direction?: DixaDirection;
  attachments?: DixaFile[];
  isAutomated: boolean;
}

/** `SmsAttributes`, `WhatsAppAttributes`, `FacebookMessengerAttributes`, `TwitterAttributes`, `GenericAttributes`. */
export interface DixaMessagingAttributes {
  _type: 'SmsAttributes' | 'WhatsAppAttributes' | 'FacebookMessengerAttributes' | 'TwitterAttributes' | 'GenericAttributes';
  content?: DixaContent | null;
  direction?: DixaDirection;
  attachments?: DixaFile[];
}

/** `MessengerFormAttributes`: `formSubmission.values` maps a field label to its value. */
export interface DixaMessengerFormAttributes {
  _type: 'MessengerFormAttributes';
  formSubmission: { values: Record<string, string | string[]> };
  direction?: DixaDirection;
  content?: DixaContent;
}

/** `PhoneAttributes` (the spec types from/to as strings; its example sends `to` as a number). */
export interface DixaPhoneAttributes {
  _type: 'PhoneAttributes';
  from: string;
  to: string;
  direction?: DixaDirection;
  duration?: number;
}

/** `CallRecordingAttributes`. */
export interface DixaCallRecordingAttributes {
  _type: 'CallRecordingAttributes';
  recording: string;
  duration?: number;
}

/** `TranscriptAttributes`. */
export interface DixaTranscriptAttributes {
  _type: 'TranscriptAttributes';
  content?: DixaContent;
  utterance_start_ms?: number;
  utterance_end_ms?: number;
  direction?: DixaDirection;
}

/** `Attributes` (a message's `attributes`). */
export type DixaMessageAttributes =
  | DixaEmailAttributes
  | DixaContactFormAttributes
  | DixaChatAttributes
  | DixaMessagingAttributes
  | DixaMessengerFormAttributes
  | DixaPhoneAttributes
  | DixaCallRecordingAttributes
  | DixaTranscriptAttributes;

/** `Message` (GET /conversations/{id}/messages: oldest first, not paginated). */
export interface DixaMessage {
  id: string;
  authorId: string;
  externalId?: string;
  createdAt: string;
  attributes: DixaMessageAttributes;
}

/**
 * `CreateMessageOutputData` (POST /conversations/{id}/messages answers 200 with it). The spec
 * marks `messageId` and `createdAt` optional; the fake always sends both.
 */
export interface DixaAddedMessage {
  content?: DixaContent;
  direction: DixaDirection;
  authorId: string;
  externalId?: string;
  messageId?: string;
  createdAt?: string;
}

// ---------------------------------------------------------------- notes, tags

/**
 * `InternalNoteData` (notes list and POST notes). The spec requires `authorId`; the fake
 * leaves it out when the world has no API user to author the note.
 */
export interface DixaNote {
  id: string;
  authorId?: string;
  createdAt: string;
  csid: number;
  message: string;
}

/** `Tag`. */
export interface DixaTag {
  id: string;
  name: string;
  color?: string;
  state: 'Active' | 'Inactive';
}

// ---------------------------------------------------------------- users, queues

/** `EndUser`. */
export interface DixaEndUser {
  id: string;
  createdAt: string;
  displayName?: string | null;
  email?: string;
  phoneNumber?: string;
  additionalEmails?: string[];
  additionalPhoneNumbers?: string[];
  firstName?: string;
  lastName?: string;
  middleNames?: string[];
  avatarUrl?: string;
  externalId?: string;
  customAttributes?: DixaCustomAttribute[];
}

/** `Agent`. */
export interface DixaAgent {
  id: string;
  createdAt: string;
  displayName: string;
  email: string;
  avatarUrl?: string;
  phoneNumber?: string;
  additionalEmails?: string[];
  additionalPhoneNumbers?: string[];
  firstName?: string;
  lastName?: string;
  middleNames?: string[];
  roles?: string[];
}

/** `Queue1` (GET /queues, GET /queues/{id}); routing settings the fake does not model stay optional. */
export interface DixaQueue {
  id: string;
  name: string;
  isDefault: boolean;
  organizationId: string;
  queueThresholds?: Record<string, number>;
  slaCalculationMethod?: string;
  offerTimeout?: number;
  offeringAlgorithm?: string;
  memberListType?: string;
  usages?: { queueId: string; usages: Record<string, string[]> };
  wrapupTimeout?: number;
  priority?: number;
  offerAbandonedConversations?: boolean;
  doNotOfferTimeouts?: Record<string, number>;
  isDoNotOfferEnabled?: boolean;
  isPreferredAgentEnabled?: boolean;
  preferredAgentOfflineTimeout?: number;
  personalAgentOfflineTimeout?: number;
  isRestricted?: boolean;
}

// ---------------------------------------------------------------- search

/** `ConversationSearchWithFiltersHit`: snippets with matches wrapped in `<em>`, by field name. */
export interface DixaSearchHit {
  id: number;
  highlights: Record<string, string[]>;
}

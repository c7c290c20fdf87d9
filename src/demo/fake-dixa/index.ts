// Public entry of the fake Dixa REST server: used by the gateway's tests and its demo mode.

export { startFakeDixa } from './server.js';
export type { FakeDixa, FakeDixaOptions, FakeTenant, RecordedRequest } from './server.js';
export type { RateLimitOptions } from './rate-limit.js';
export { seedWorld, SUPPORT_EMAIL, RETURNS_EMAIL, SMS_NUMBER, VOICE_NUMBER, FIRST_CONVERSATION_ID, ATTRIBUTE_ORDER_NUMBER, ATTRIBUTE_CONTACT_REASON, ATTRIBUTE_CUSTOMER_TIER, ATTRIBUTE_LOYALTY_ID } from './seed.js';
export type { SeedOptions } from './seed.js';
export {
  emptyWorld,
  findConversation,
  findConversations,
  findConversationWithAttributes,
  defaultQueue,
  activeTags,
  emailEndpoints,
  smsEndpoints,
} from './world.js';
export type { FakeWorld, FakeCustomAttributeDefinition, FakeSelectOption, FakeContactEndpoint } from './world.js';
export type { FakeChange, FakeChangeKind } from './changes.js';
export { sendWebhooks, signDixaWebhook, webhookPayload } from './webhooks.js';
export type { WebhookSender, WebhookSenderOptions } from './webhooks.js';
export type { FaultRule, Faults } from './faults.js';
export { searchChannelOf, searchStatusOf, searchDirectionOf } from './vocabulary.js';
export { encodePageKey, decodePageKey } from './pagination.js';
export { messageText } from './search.js';
export { startWebhookDispatch, passesFilters } from './webhook-dispatch.js';
export type { FakeWebhookDispatcher } from './webhook-dispatch.js';
export { webhookStateOf, WEBHOOK_EVENT_NAMES } from './webhook-subscriptions.js';
export type { FakeSubscription, FakeDelivery, FakeWebhookState, FakeFilters } from './webhook-subscriptions.js';
export { activitiesOf, recordActivity } from './activity-log.js';
export type { FakeActivity } from './activity-log.js';

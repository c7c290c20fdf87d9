// createConversation's input, checked without Dixa: the channel variant and what it needs
// (EMAIL/CONTACT_FORM: subject and an email integration; WIDGET_CHAT: a widget; SMS:
// outbound, an agent and an SMS number), the customer, and every bounded string. What is
// missing is named, with the setting that would supply it.
import type { GatewayConfig } from '../config.js';
import type { DixaContentType } from '../datasources/dixa/types.js';
import { BadUserInputError } from '../errors.js';
import type { CreateConversationInput } from '../generated/graphql.js';
import { parseEmail } from '../validation/arguments.js';
import { parseUuid } from '../validation/ids.js';
import {
  contentTypeOf,
  LIMITS,
  parseBody,
  parseCustomAttributes,
  parseIdempotencyKey,
  parseLanguage,
  parseOptionalText,
  parseOptionalUuid,
  parsePhoneNumber,
  parseTagNames,
  type CustomAttributeValues,
} from '../validation/write-arguments.js';
import { assertCreatableChannel, type CreatableChannel } from './access.js';
import { optionalAgentId, resolveAgentId, type ResolvedAgent } from './agents.js';

export interface CustomerSpec {
  id?: string;
  email?: string;
  displayName?: string;
  phoneNumber?: string;
  externalId?: string;
}

export type ChannelSpec =
  | { channel: 'EMAIL' | 'CONTACT_FORM'; subject: string; emailIntegrationId: string }
  | { channel: 'WIDGET_CHAT'; widgetId: string }
  | { channel: 'SMS'; contactEndpointId: string };

export interface CreateConversationRequest {
  variant: ChannelSpec;
  customer: CustomerSpec;
  content: string;
  contentType: DixaContentType;
  direction: 'Inbound' | 'Outbound';
  /** Author of an outbound first message; the note's author. */
  agent: ResolvedAgent | undefined;
  language: string | undefined;
  note: string | undefined;
  tags: string[];
  queueId: string | undefined;
  customAttributes: CustomAttributeValues | undefined;
  idempotencyKey: string | undefined;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

export function parseCreateConversationInput(input: CreateConversationInput, config: GatewayConfig): CreateConversationRequest {
  const channel = assertCreatableChannel(config, input.channel);
  const direction = parseDirection(input.direction, channel);
  const explicitAgent = parseOptionalUuid(input.agentId, 'agent', 'agentId');
  const agent =
    direction === 'Outbound'
      ? resolveAgentId(explicitAgent, config, `who sends the first (outbound) message`)
      : optionalAgentId(explicitAgent, config);
  return {
    variant: parseVariant(input, channel, config),
    customer: parseCustomer(input.customer),
    content: parseBody(input.content, 'content', LIMITS.content),
    contentType: contentTypeOf(input.format),
    direction,
    agent,
    language: parseLanguage(input.language),
    note: input.note === null || input.note === undefined ? undefined : parseBody(input.note, 'note', LIMITS.note),
    tags: parseTagNames(input.tags),
    queueId: parseOptionalUuid(input.queueId, 'queue', 'queueId'),
    customAttributes: parseCustomAttributes(input.customAttributes),
    idempotencyKey: parseIdempotencyKey(input.idempotencyKey),
  };
}

function parseDirection(raw: CreateConversationInput['direction'], channel: CreatableChannel): 'Inbound' | 'Outbound' {
  const direction = raw ?? 'INBOUND';
  if (channel === 'SMS' && direction !== 'OUTBOUND') {
    throw new BadUserInputError('SMS conversations can only be created outbound: set direction: OUTBOUND (and an agentId or DIXA_DEFAULT_AGENT_ID).', {
      argument: 'direction',
    });
  }
  if (direction === 'INTERNAL') {
    throw new BadUserInputError('direction must be INBOUND (written by the customer) or OUTBOUND (sent by an agent); for internal text use note.', {
      argument: 'direction',
    });
  }
  return direction === 'OUTBOUND' ? 'Outbound' : 'Inbound';
}

function parseVariant(input: CreateConversationInput, channel: CreatableChannel, config: GatewayConfig): ChannelSpec {
  const missing: string[] = [];
  if (channel === 'EMAIL' || channel === 'CONTACT_FORM') {
    const subject = parseOptionalText(input.subject, 'subject', LIMITS.subject);
    const integration = parseOptionalText(input.emailIntegrationId, 'emailIntegrationId', 320) ?? config.dixa.emailIntegrationId?.trim();
    if (!subject) missing.push('subject');
    if (!integration) missing.push('emailIntegrationId (the Dixa email integration address, e.g. support@acme.email.dixa.io; or set DIXA_EMAIL_INTEGRATION_ID)');
    if (subject && integration) return { channel, subject, emailIntegrationId: parseEmail(integration, 'emailIntegrationId') };
  } else if (channel === 'WIDGET_CHAT') {
    const widgetId = input.widgetId ?? config.dixa.widgetId;
    if (widgetId) return { channel, widgetId: parseUuid(widgetId, 'widget', 'widgetId') };
    missing.push('widgetId (the Dixa chat widget id, a uuid; or set DIXA_WIDGET_ID)');
  } else {
    const endpoint = input.contactEndpointId?.trim();
    if (endpoint && !E164.test(endpoint)) {
      throw new BadUserInputError('contactEndpointId must be the Dixa SMS number in E.164 form, e.g. +4512345678.', { argument: 'contactEndpointId' });
    }
    if (endpoint) return { channel, contactEndpointId: endpoint };
    missing.push('contactEndpointId (the Dixa SMS number to send from, E.164 such as +4512345678)');
  }
  throw new BadUserInputError(`${channel} conversations need ${missing.join(' and ')}.`, { argument: missing[0]?.split(' ')[0], missing });
}

function parseCustomer(raw: CreateConversationInput['customer']): CustomerSpec {
  const spec: CustomerSpec = {};
  const displayName = parseOptionalText(raw.displayName, 'customer.displayName', LIMITS.name);
  const phoneNumber = parsePhoneNumber(raw.phoneNumber, 'customer.phoneNumber');
  const externalId = parseOptionalText(raw.externalId, 'customer.externalId', LIMITS.externalId);
  if (raw.id !== null && raw.id !== undefined) spec.id = parseUuid(raw.id, 'customer', 'customer.id');
  else if (raw.email !== null && raw.email !== undefined && raw.email.trim() !== '') spec.email = parseEmail(raw.email, 'customer.email');
  else {
    throw new BadUserInputError('customer needs id (an existing Dixa end user) or email (found, else created with displayName, phoneNumber and externalId).', {
      argument: 'customer',
    });
  }
  if (displayName) spec.displayName = displayName;
  if (phoneNumber) spec.phoneNumber = phoneNumber;
  if (externalId) spec.externalId = externalId;
  return spec;
}

// The pure mapping functions: Dixa spellings, timestamps and every message attribute
// variant. Fixture-based cases read ../shared/dixa/fixtures (skipped when it is absent).
import { describe, expect, it } from 'vitest';
import type { DixaMessage, DixaMessageAttributes } from '../src/datasources/dixa/types.js';
import {
  messageAttachments,
  messageDirection,
  messageEmail,
  messageHtml,
  messageIsAutomated,
  messageText,
} from '../src/mapping/message-body.js';
import { buildSearchRequest } from '../src/mapping/search-request.js';
import { toIsoDateTime, toSearchTimestamp } from '../src/mapping/timestamp.js';
import {
  channelFromRest,
  channelFromWebhook,
  channelToSearch,
  directionFromRest,
  directionFromWebhook,
  stateFromRest,
  stateFromWebhook,
  stateToSearch,
} from '../src/mapping/vocabulary.js';
import { fixture, hasShared } from './support/shared.js';

describe('vocabulary', () => {
  it('maps every REST channel and keeps unknown ones as OTHER', () => {
    const cases: Record<string, string> = {
      Email: 'EMAIL',
      ContactForm: 'CONTACT_FORM',
      WidgetChat: 'WIDGET_CHAT',
      Messenger: 'MESSENGER',
      FacebookMessenger: 'FACEBOOK_MESSENGER',
      WhatsApp: 'WHATSAPP',
      Sms: 'SMS',
      PstnPhone: 'PSTN_PHONE',
      Voicemail: 'VOICEMAIL',
      Callback: 'CALLBACK',
      Twitter: 'TWITTER',
      Trustpilot: 'OTHER',
      '': 'OTHER',
    };
    for (const [rest, gql] of Object.entries(cases)) expect(channelFromRest(rest)).toBe(gql);
  });

  it('maps webhook spellings (UPPER_SNAKE) and search spellings (lower-case)', () => {
    expect(channelFromWebhook('WIDGET_CHAT')).toBe('WIDGET_CHAT');
    expect(channelFromWebhook('EMAIL')).toBe('EMAIL');
    expect(channelFromWebhook('NEW_THING')).toBe('OTHER');
    expect(channelToSearch('WIDGET_CHAT')).toBe('chat');
    expect(channelToSearch('MESSENGER')).toBe('dixamessenger');
    expect(channelToSearch('PSTN_PHONE')).toBe('phone');
    expect(channelToSearch('TWITTER')).toBeUndefined();
    expect(stateToSearch('AWAITING_PENDING')).toBe('pending');
    expect(stateToSearch('CLOSED')).toBe('closed');
  });

  it('maps states and directions in REST and webhook spellings', () => {
    expect(stateFromRest('Open')).toBe('OPEN');
    expect(stateFromRest('Pending')).toBe('PENDING');
    expect(stateFromRest('AwaitingPending')).toBe('AWAITING_PENDING');
    expect(stateFromRest('Closed')).toBe('CLOSED');
    expect(stateFromRest(undefined)).toBe('OPEN');
    expect(stateFromWebhook('CLOSED')).toBe('CLOSED');
    expect(directionFromRest('Inbound')).toBe('INBOUND');
    expect(directionFromRest('Outbound')).toBe('OUTBOUND');
    expect(directionFromRest('Internal')).toBe('INTERNAL');
    expect(directionFromRest(null)).toBeNull();
    expect(directionFromWebhook('inbound')).toBe('INBOUND');
    expect(directionFromWebhook('OUTBOUND')).toBe('OUTBOUND');
  });
});

describe('timestamps', () => {
  it('normalises Dixa forms to ISO UTC', () => {
    expect(toIsoDateTime('2020-12-16T09:41:43Z')).toBe('2020-12-16T09:41:43.000Z');
    expect(toIsoDateTime('2021-12-01T12:46:36.581Z[GMT]')).toBe('2021-12-01T12:46:36.581Z');
    expect(toIsoDateTime('2021-12-01T12:46:35.935')).toBe('2021-12-01T12:46:35.935Z');
    expect(toIsoDateTime('2021-12-01T14:46:35+02:00')).toBe('2021-12-01T12:46:35.000Z');
    expect(toIsoDateTime('not a date')).toBeNull();
    expect(toIsoDateTime(null)).toBeNull();
    expect(toSearchTimestamp('2023-02-11T22:59:59.999Z')).toBe('2023-02-11T22:59:59Z');
  });
});

const attrs = (a: Record<string, unknown>) => a as unknown as DixaMessageAttributes;

describe('message bodies', () => {
  it('reads chat, plain-content and transcript variants', () => {
    const chat = attrs({ _type: 'ChatAttributes', content: { _type: 'Text', value: 'Hi' }, direction: 'Inbound', attachments: [], isAutomated: true });
    expect(messageText(chat)).toBe('Hi');
    expect(messageHtml(chat)).toBeNull();
    expect(messageIsAutomated(chat)).toBe(true);
    expect(messageDirection(chat)).toBe('INBOUND');
    expect(messageEmail(chat)).toBeNull();
    for (const type of ['SmsAttributes', 'WhatsAppAttributes', 'FacebookMessengerAttributes', 'TwitterAttributes', 'GenericAttributes', 'TranscriptAttributes']) {
      const a = attrs({ _type: type, content: { _type: 'Markdown', value: '**hey**' }, direction: 'Outbound', attachments: [{ url: 'https://f/1', prettyName: 'a.png' }] });
      expect(messageText(a)).toBe('**hey**');
      expect(messageAttachments(a)).toEqual([{ url: 'https://f/1', name: 'a.png' }]);
      expect(messageDirection(a)).toBe('OUTBOUND');
    }
  });

  it('turns HTML into text and keeps the HTML', () => {
    const a = attrs({ _type: 'ChatAttributes', content: { _type: 'Html', value: '<p>Hello <b>there</b></p><p>Line two</p>' } });
    expect(messageHtml(a)).toBe('<p>Hello <b>there</b></p><p>Line two</p>');
    expect(messageText(a)).toBe('Hello there\n\nLine two');
  });

  it('reads Messenger forms, phone calls and call recordings', () => {
    const form = attrs({ _type: 'MessengerFormAttributes', formSubmission: { values: { Name: 'Ann', Topics: ['a', 'b'] } } });
    expect(messageText(form)).toBe('Name: Ann\nTopics: a, b');
    const phone = attrs({ _type: 'PhoneAttributes', from: '+4511', to: 4522, direction: 'Inbound', duration: 42 });
    expect(messageText(phone)).toBe('Phone call from +4511 to 4522, 42 s');
    const recording = attrs({ _type: 'CallRecordingAttributes', recording: 'https://files/rec.mp3', duration: 42 });
    expect(messageAttachments(recording)).toEqual([{ url: 'https://files/rec.mp3', name: 'Call recording' }]);
    expect(messageText(recording)).toBeNull();
    expect(messageDirection(recording)).toBeNull();
  });

  it('reads a contact form sent from the widget (no from)', () => {
    const a = attrs({ _type: 'ContactFormAttributes', emailContent: { _type: 'Regular', content: { _type: 'Text', value: 'Help' } }, to: [], cc: [], bcc: [], isAutoReply: false, replyDefaultToEmails: [] });
    expect(messageText(a)).toBe('Help');
    expect(messageEmail(a)).toEqual({ from: null, to: [], cc: [], bcc: [], isAutoReply: false });
  });

  describe.skipIf(!hasShared)('fixtures (reads ../shared/dixa/fixtures)', () => {
    it('maps the email messages: Regular text, Regular HTML with cc/bcc and attachments, TooLarge', () => {
      const [inbound, reply, large] = fixture<{ data: DixaMessage[] }>('messages-email.json').data as [DixaMessage, DixaMessage, DixaMessage];
      expect(messageText(inbound.attributes)).toBe("My order hasn't shipped");
      expect(messageEmail(inbound.attributes)).toEqual({
        from: { email: 'alice@brown.com', name: 'Alice Brown' },
        to: [{ email: 'my-integration@email.dixa.io', name: 'Support' }],
        cc: [],
        bcc: [],
        isAutoReply: false,
      });
      expect(messageHtml(reply.attributes)).toBe('<p>Ok, I can help you!</p>');
      expect(messageText(reply.attributes)).toBe('Ok, I can help you!');
      expect(messageEmail(reply.attributes)?.cc).toEqual([{ email: 'manager@somecompany.com', name: 'Manager' }]);
      expect(messageEmail(reply.attributes)?.bcc).toEqual([{ email: 'archive@somecompany.com', name: null }]);
      expect(messageAttachments(reply.attributes)).toEqual([{ url: 'https://files.dixa.io/private/something/attachment/attachment-1', name: 'Picture' }]);
      expect(messageText(large.attributes)).toBeNull();
      expect(messageAttachments(large.attributes)).toEqual([
        { url: 'https://files.dixa.io/private/something/email_stripped_content/large-email-content', name: 'Large Email Content' },
        { url: 'https://files.dixa.io/private/something/attachment/attachment-2', name: 'Large Document' },
      ]);
    });

    it('maps the chat and SMS messages', () => {
      const chat = fixture<{ data: DixaMessage[] }>('messages-chat.json').data;
      expect(chat.map((m) => [messageText(m.attributes), messageDirection(m.attributes)])).toEqual([
        ['Hi, where is my parcel?', 'INBOUND'],
        ['How can I help you?', 'OUTBOUND'],
      ]);
      const sms = fixture<{ data: DixaMessage[] }>('messages-sms.json').data;
      expect(sms.map((m) => messageText(m.attributes))).toEqual(['Hi Alice, your parcel ships today.', 'SMS message content']);
      expect(toIsoDateTime(sms[1]?.createdAt)).toBe('2023-03-01T10:05:12.581Z');
    });

    it('builds search bodies in the shape of the fixture request', () => {
      const expected = fixture('search-request.json');
      const body = buildSearchRequest('order 12345', {
        tagIds: expected.filters.conditions[0].field.operator.values,
        states: ['OPEN', 'PENDING'],
        channels: ['EMAIL', 'SMS'],
      });
      expect(body.filters?.conditions.slice(0, 1)).toEqual([expected.filters.conditions[1]]);
      expect(body.filters?.conditions[1]).toEqual(expected.filters.conditions[2]);
      expect(body.filters?.conditions[2]).toEqual(expected.filters.conditions[0]);
      expect(body.query?.value).toBe('order 12345');
    });
  });
});

describe('search requests', () => {
  it('maps every filter to Dixa conditions', () => {
    const body = buildSearchRequest('  refund  ', {
      assigneeIds: ['a'],
      queueIds: ['q'],
      customerIds: ['c'],
      createdAfter: '2024-01-01T00:00:00.000Z',
      createdBefore: '2024-02-01T00:00:00.000Z',
    });
    expect(body).toEqual({
      query: { value: 'refund', exactMatch: false },
      filters: {
        strategy: 'All',
        conditions: [
          { field: { _type: 'AgentId', operator: { _type: 'IsOneOf', values: ['a'] } } },
          { field: { _type: 'QueueId', operator: { _type: 'IsOneOf', values: ['q'] } } },
          { field: { _type: 'ContactId', operator: { _type: 'IsOneOf', values: ['c'] } } },
          { field: { _type: 'CreationDate', operator: { _type: 'Between', timestampFrom: '2024-01-01T00:00:00Z', timestampTo: '2024-02-01T00:00:00Z' } } },
        ],
      },
    });
    expect(buildSearchRequest(null, null)).toEqual({});
    expect(() => buildSearchRequest(null, { channels: ['TWITTER'] })).toThrow(/cannot filter on channel TWITTER/);
  });
});

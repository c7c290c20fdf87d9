// The fake's webhook deliveries: on every FakeChange it builds the Dixa-shaped payload
// (REFERENCE.md §5: envelope, conversation in webhook spelling, user objects) from the
// world as it is at that moment, signs it like Dixa (X-DIXA-SIGNATURE: t=<ms>,v1=<hex>,
// key = the hex-decoded secret) and POSTs it, one delivery at a time, in change order.
import { createHmac, randomUUID } from 'node:crypto';
import type { DixaAgent, DixaConversation, DixaEndUser, DixaMessage } from './wire.js';
import type { FakeChange } from './changes.js';
import { messageText } from './search.js';
import type { FakeDixa } from './server.js';
import type { FakeWorld } from './world.js';

export interface WebhookSenderOptions {
  /** Where to deliver, e.g. http://127.0.0.1:4000/webhooks/dixa. */
  url: string;
  /** The subscription's secretKey, hex. */
  secretHex: string;
  /** Only this tenant's changes (default: every tenant's). */
  token?: string;
  /** X-DIXA-SUBSCRIPTION-ID; default a fixed uuid per sender. */
  subscriptionId?: string;
  /** Attempts per delivery when the receiver fails or is unreachable; default 3. */
  attempts?: number;
}

export interface WebhookSender {
  /** Deliveries made (any answer) and given up on. */
  readonly stats: { delivered: number; failed: number };
  /** Resolves when every change seen so far has been delivered or given up on. */
  idle(): Promise<void>;
  /** Stops listening for changes; deliveries under way finish. */
  stop(): Promise<void>;
}

/** The X-DIXA-SIGNATURE value for a body, as Dixa computes it. */
export function signDixaWebhook(rawBody: string, secretHex: string, timestampMs: number = Date.now()): string {
  const t = String(timestampMs);
  const v1 = createHmac('sha256', Buffer.from(secretHex, 'hex')).update(`${t}.${rawBody}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

const WEBHOOK_CHANNEL: Record<string, string> = {
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
};

const upperSnake = (pascal: string) => pascal.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

function contactUser(user: DixaEndUser) {
  return {
    id: user.id,
    name: user.displayName ?? null,
    email: user.email ?? null,
    phone: user.phoneNumber ?? null,
    roles: [] as string[],
    user_type: 'Contact',
  };
}

function memberUser(agent: DixaAgent) {
  return {
    id: agent.id,
    name: agent.displayName,
    email: agent.email,
    phone: agent.phoneNumber ?? null,
    roles: agent.roles ?? ['Agent'],
    user_type: 'Member',
  };
}

function userOf(world: FakeWorld, id: string | null | undefined) {
  if (!id) return null;
  const agent = world.agents.get(id);
  if (agent) return memberUser(agent);
  const user = world.endUsers.get(id);
  return user ? contactUser(user) : { id, name: null, email: null, phone: null, roles: [], user_type: 'Contact' };
}

function webhookConversation(world: FakeWorld, c: DixaConversation) {
  const queue = c.queue?.id ? world.queues.get(c.queue.id) : undefined;
  const tags = (world.conversationTags.get(c.id) ?? []).flatMap((id) => {
    const tag = world.tags.get(id);
    return tag ? [{ id: tag.id, name: tag.name, is_deactivated: tag.state === 'Inactive' }] : [];
  });
  return {
    csid: c.id,
    channel: WEBHOOK_CHANNEL[c.channel] ?? upperSnake(c.channel),
    status: upperSnake(c.state ?? 'Open'),
    direction: upperSnake(c.direction ?? 'Inbound'),
    queue: c.queue?.id ? { id: c.queue.id, name: queue?.name ?? null } : null,
    contact_point: c.integrationEmail ?? c.toEmail ?? c.fromNumber ?? null,
    requester: userOf(world, c.requesterId),
    assignee: c.assignment?.agentId ? userOf(world, c.assignment.agentId) : null,
    subject: c.subject ?? null,
    tags,
    created_at: c.createdAt,
  };
}

function messageDirection(message: DixaMessage): string {
  const direction = (message.attributes as { direction?: string | null }).direction;
  return (direction ?? 'Inbound').toLowerCase();
}

/** The payload Dixa would send for this change, or undefined when the world no longer has the conversation. */
export function webhookPayload(world: FakeWorld, change: FakeChange, now: number = Date.now()): Record<string, unknown> | undefined {
  const conversation = world.conversations.get(change.conversationId);
  if (!conversation) return undefined;
  const data: Record<string, unknown> = { conversation: webhookConversation(world, conversation) };
  if (change.kind === 'ConversationMessageAdded' && change.messageId) {
    const message = (world.messages.get(conversation.id) ?? []).find((m) => m.id === change.messageId);
    if (message) {
      const text = messageText(message);
      Object.assign(data, {
        author: userOf(world, message.authorId),
        created_at: new Date(Date.parse(message.createdAt.replace(/\[.*\]$/, ''))).toISOString(),
        message_id: message.id,
        text,
        direction: messageDirection(message),
        channel: WEBHOOK_CHANNEL[conversation.channel] ?? upperSnake(conversation.channel),
        content: { text, content_type: 'Text', original_content_url: null, processed_content_url: null },
        attachments: [],
        external_id: message.externalId ?? null,
      });
    }
  } else if (change.kind === 'ConversationNoteAdded' && change.noteId) {
    const note = (world.notes.get(conversation.id) ?? []).find((n) => n.id === change.noteId);
    if (note) {
      Object.assign(data, {
        note_id: note.id,
        text: note.message,
        created_at: new Date(Date.parse(note.createdAt.replace(/\[.*\]$/, ''))).toISOString(),
        author: userOf(world, note.authorId),
      });
    }
  } else if ((change.kind === 'ConversationTagAdded' || change.kind === 'ConversationTagRemoved') && change.tagName) {
    Object.assign(data, { tag: change.tagName, author: userOf(world, world.apiUserId) });
  }
  return {
    event_id: randomUUID(),
    event_fqn: upperSnake(change.kind),
    event_version: '1',
    event_timestamp: new Date(now).toISOString(),
    organization: { id: world.organization.id, name: world.organization.name },
    data,
  };
}

/** Delivers a signed webhook for every change of `fake` (of one tenant when `token` is set). */
export function sendWebhooks(fake: FakeDixa, options: WebhookSenderOptions): WebhookSender {
  const subscriptionId = options.subscriptionId ?? randomUUID();
  const attempts = options.attempts ?? 3;
  const stats = { delivered: 0, failed: 0 };
  let queue: Promise<void> = Promise.resolve();

  const deliver = async (body: string): Promise<void> => {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await fetch(options.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-DIXA-SIGNATURE': signDixaWebhook(body, options.secretHex),
            'X-DIXA-SUBSCRIPTION-ID': subscriptionId,
          },
          body,
        });
        await res.arrayBuffer();
        if (res.status < 500) {
          stats.delivered++;
          return;
        }
      } catch {
        // Unreachable receiver: retried like a 5xx.
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
    stats.failed++;
  };

  const onChange = (change: FakeChange) => {
    if (options.token !== undefined && change.token !== options.token) return;
    // Built now, not at delivery: the payload shows the world as this change left it.
    const payload = webhookPayload(fake.world(change.token), change);
    if (!payload) return;
    const body = JSON.stringify(payload);
    queue = queue.then(() => deliver(body));
  };
  fake.changes.on('change', onChange);

  return {
    stats,
    idle: () => queue,
    async stop() {
      fake.changes.off('change', onChange);
      await queue;
    },
  };
}

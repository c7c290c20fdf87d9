// Query.conversationEvents, Subscription.conversationEvents and ConversationEvent: stored
// webhook events read from the log (src/events). The conversation resolves through the
// loaders (the webhook already refreshed the cache, so usually with no Dixa call); the
// message of MESSAGE_ADDED comes from the payload itself.
import { requireConfiguredOrganization } from './configured-organization.js';
import type { ConversationEventResolvers, QueryResolvers, SubscriptionResolvers } from '../generated/graphql.js';
import type { GatewayContext } from '../context.js';
import type { DixaMessage } from '../datasources/dixa/types.js';
import { BadUserInputError } from '../errors.js';
import { decodeEventCursor, encodeEventCursor, type StoredEvent } from '../events/event-log.js';
import { streamEvents, type EventFeed } from '../events/event-stream.js';
import type { WebhookEnvelope } from '../datasources/dixa/webhook-types.js';
import { eventTypeFromWebhook } from '../mapping/vocabulary.js';
import { messageFromWebhook } from '../mapping/webhook-conversation.js';
import { parseConversationId } from '../validation/ids.js';

const MAX_EVENTS_PER_PAGE = 1000;

function feedOf(context: GatewayContext): EventFeed {
  if (!context.events) throw new Error('The event log is not available in this context.');
  requireConfiguredOrganization(
    context,
    "Webhook events belong to the gateway's configured Dixa organization; a request with its own X-Dixa-Token cannot read them.",
  );
  return context.events;
}

function afterSeqOf(after: string | null | undefined): number | undefined {
  if (after === null || after === undefined) return undefined;
  const seq = decodeEventCursor(after);
  if (seq === undefined) {
    throw new BadUserInputError('after must be a cursor from conversationEvents (an event\'s cursor or pageInfo.endCursor).', {
      argument: 'after',
    });
  }
  return seq;
}

function conversationFilter(conversationId: string | null | undefined): string | undefined {
  return conversationId === null || conversationId === undefined ? undefined : String(parseConversationId(conversationId, 'conversationId'));
}

// Parsed once per stored event object; a page and its subscribers share the objects.
const envelopes = new WeakMap<StoredEvent, WebhookEnvelope>();
function envelopeOf(event: StoredEvent): WebhookEnvelope {
  let envelope = envelopes.get(event);
  if (!envelope) {
    envelope = JSON.parse(event.body) as WebhookEnvelope;
    envelopes.set(event, envelope);
  }
  return envelope;
}

export const Query: QueryResolvers = {
  conversationEvents: async (_root, args, context) => {
    const feed = feedOf(context);
    const first = args.first ?? 100;
    if (!Number.isInteger(first) || first < 1 || first > MAX_EVENTS_PER_PAGE) {
      throw new BadUserInputError(`first must be between 1 and ${MAX_EVENTS_PER_PAGE}; got ${first}.`, { argument: 'first' });
    }
    const after = afterSeqOf(args.after);
    const events = await feed.log.read({ afterSeq: after ?? 0, first: first + 1, conversationId: conversationFilter(args.conversationId) });
    const page = events.slice(0, first);
    const edges = page.map((node) => ({ node, cursor: encodeEventCursor(node.seq) }));
    // With nothing new, endCursor stays where the caller is, so it can poll with it.
    const endCursor = edges.at(-1)?.cursor ?? args.after ?? null;
    return { edges, nodes: page, pageInfo: { hasNextPage: events.length > first, endCursor } };
  },
};

export const Subscription: SubscriptionResolvers = {
  conversationEvents: {
    subscribe: (_root, args, context) => {
      const feed = feedOf(context);
      return streamEvents(feed.log, feed.bus, {
        afterSeq: afterSeqOf(args.after),
        conversationId: conversationFilter(args.conversationId),
        ...(feed.beforeEach ? { beforeEach: feed.beforeEach } : {}),
      });
    },
    resolve: (event: StoredEvent) => event,
  },
};

export const ConversationEvent: ConversationEventResolvers = {
  id: (e) => e.eventId,
  source: (e) => e.source,
  type: (e) => eventTypeFromWebhook(e.rawType),
  rawType: (e) => e.rawType,
  occurredAt: (e) => e.occurredAt,
  receivedAt: (e) => e.receivedAt,
  conversationId: (e) => e.conversationId ?? '',
  cursor: (e) => encodeEventCursor(e.seq),
  conversation: (e, _args, { dixa }) => (e.conversationId ? dixa.loaders.conversation.get(Number(e.conversationId)) : null),
  message: (e) => {
    if (eventTypeFromWebhook(e.rawType) !== 'MESSAGE_ADDED' || !e.conversationId) return null;
    const data = envelopeOf(e).data;
    // A repaired message carries the REST record gap repair read from Dixa (src/sync/gap-repair.ts).
    const rest = e.source === 'RECONCILED' ? (data?.rest_message as DixaMessage | undefined) : undefined;
    if (rest && typeof rest.id === 'string') return { ...rest, conversationId: Number(e.conversationId) };
    return messageFromWebhook(data, Number(e.conversationId)) ?? null;
  },
};

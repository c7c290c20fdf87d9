// Gap repair: what happened in a window, read from Dixa's org activity log (paged) and
// appended to the event log as RECONCILED events, without repeating what a webhook (or an
// earlier repair) already stored. Dixa calls: the activity-log pages, plus, only for
// changes not yet in the log, one read of the messages of each conversation with a new
// message and one read of each conversation whose state changed (so the cache and the
// stored event carry the record as Dixa has it). New events refresh the cache exactly as
// webhooks do (events/webhook-cache-updates.ts) and wake live subscriptions.
import type { Logger } from 'pino';
import type { DixaClient } from '../datasources/dixa/client.js';
import type { DixaActivityLogEntry, DixaConversation, DixaMessage } from '../datasources/dixa/types.js';
import type { WebhookCacheUpdates } from '../events/webhook-cache-updates.js';
import type { EventBus } from '../events/event-bus.js';
import type { EventLog, NewEvent } from '../events/event-log.js';
import type { DecodedWebhook, WebhookConversation, WebhookEnvelope } from '../datasources/dixa/webhook-types.js';
import { activityEvent, type ActivityEvent } from './activity-events.js';
import type { GapReason, SyncGapRecord, SyncStore } from './sync-store.js';

/** Dixa's page size for the activity log is unconfirmed; 50 is what its encoded example holds. */
const ACTIVITY_PAGE_LIMIT = 50;
/** Bounds one repair: 200 pages of 50 is 10,000 activities. */
const MAX_PAGES = 200;

/** Types after which the conversation record itself changed (state, assignment, queue). */
const CHANGES_RECORD: ReadonlySet<string> = new Set([
  'CREATED', 'OPENED', 'PENDING', 'PENDING_EXPIRED', 'CLOSED', 'ABANDONED', 'ASSIGNED', 'UNASSIGNED', 'TRANSFERRED', 'ENQUEUED',
]);

const upperSnake = (pascal: string) => pascal.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/** A REST conversation in webhook spelling, so the cache refresher merges it like a delivery. */
function webhookConversation(c: DixaConversation): WebhookConversation {
  return {
    csid: c.id,
    channel: upperSnake(c.channel),
    ...(c.state ? { status: upperSnake(c.state) } : {}),
    ...(c.direction ? { direction: upperSnake(c.direction) } : {}),
    queue: c.queue?.id ? { id: c.queue.id } : null,
    requester: { id: c.requesterId },
    assignee: c.assignment?.agentId ? { id: c.assignment.agentId } : null,
    ...(c.subject !== undefined ? { subject: c.subject } : {}),
    created_at: c.createdAt,
  };
}

export interface GapRepairDeps {
  /** A client for the configured token, at the priority sync work runs at. */
  client: () => DixaClient;
  log: EventLog;
  bus: EventBus;
  refresher: WebhookCacheUpdates;
  store: SyncStore;
  logger: Logger;
  now: () => number;
}

export interface GapRepair {
  /** Repairs [fromMs, toMs]; one repair runs at a time. */
  repair(fromMs: number, toMs: number, reason: GapReason): Promise<SyncGapRecord>;
}

export function createGapRepair(deps: GapRepairDeps): GapRepair {
  let running: Promise<unknown> = Promise.resolve();

  async function readWindow(client: DixaClient, fromMs: number, toMs: number): Promise<DixaActivityLogEntry[]> {
    const window = { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
    const entries: DixaActivityLogEntry[] = [];
    let pageKey: string | undefined;
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      const page = await client.listActivityLog(window, { pageLimit: ACTIVITY_PAGE_LIMIT, pageKey });
      if (!page) break;
      entries.push(...page.items);
      pageKey = page.nextPageKey;
      if (!pageKey || page.items.length === 0) break;
    }
    // Dixa does not document the order; the log should hold what happened in order.
    return entries.sort((a, b) => Date.parse(a.activityTimestamp.replace(/\[.*\]$/, '')) - Date.parse(b.activityTimestamp.replace(/\[.*\]$/, '')));
  }

  function newEventOf(activity: ActivityEvent, receivedAt: number, conversation: DixaConversation | undefined, message: DixaMessage | undefined): { event: NewEvent; decoded: DecodedWebhook } {
    const entry = activity.entry;
    const attributes = entry.attributes ?? {};
    const data: Record<string, unknown> = {};
    if (conversation) data.conversation = webhookConversation(conversation);
    else data.conversation = { csid: Number(activity.conversationId) };
    if (entry.author) data.author = { id: entry.author.id, name: entry.author.name ?? null, email: entry.author.email ?? null };
    if (activity.messageId) {
      data.message_id = activity.messageId;
      // The REST record, as Dixa has it: ConversationEvent.message reads it (resolvers/events.ts).
      if (message) data.rest_message = message;
    }
    if (activity.type === 'NOTE_ADDED' && typeof attributes.message === 'string') data.text = attributes.message;
    if ((activity.type === 'TAG_ADDED' || activity.type === 'TAG_REMOVED') && typeof attributes.tag === 'string') data.tag = attributes.tag;
    const envelope: WebhookEnvelope & { source: string; activity: DixaActivityLogEntry } = {
      event_id: activity.eventId,
      event_fqn: activity.rawType,
      event_version: '1',
      event_timestamp: activity.occurredAt,
      source: 'RECONCILED',
      activity: entry,
      data,
    };
    const body = JSON.stringify(envelope);
    const event: NewEvent = {
      eventId: activity.eventId,
      rawType: activity.rawType,
      conversationId: activity.conversationId,
      occurredAt: activity.occurredAt,
      receivedAt: new Date(receivedAt).toISOString(),
      subscriptionId: null,
      body,
      source: 'RECONCILED',
      ...activity.identity,
    };
    // Without a REST record the payload's bare csid must not become a cached conversation.
    const forCache: WebhookEnvelope = conversation ? envelope : { ...envelope, data: { ...data, conversation: undefined } as WebhookEnvelope['data'] };
    return {
      event,
      decoded: { eventId: activity.eventId, fqn: activity.rawType, occurredAt: activity.occurredAt, conversationId: activity.conversationId, envelope: forCache },
    };
  }

  async function run(fromMs: number, toMs: number, reason: GapReason): Promise<SyncGapRecord> {
    const gap = deps.store.openGap(fromMs, toMs, reason);
    const log = deps.logger.child({ gap: { from: gap.from, to: gap.to, reason } });
    try {
      const client = deps.client();
      const entries = await readWindow(client, fromMs, toMs);
      // Only what is not stored yet costs more Dixa calls.
      const fresh: ActivityEvent[] = [];
      for (const entry of entries) {
        const activity = activityEvent(entry);
        if (!activity) continue;
        const probe: NewEvent = {
          eventId: activity.eventId,
          rawType: activity.rawType,
          conversationId: activity.conversationId,
          occurredAt: activity.occurredAt,
          receivedAt: new Date(deps.now()).toISOString(),
          subscriptionId: null,
          body: '',
          source: 'RECONCILED',
          ...activity.identity,
        };
        if (!(await deps.log.findDuplicate(probe))) fresh.push(activity);
      }
      const messageLists = new Map<string, Map<string, DixaMessage>>();
      const records = new Map<string, DixaConversation | undefined>();
      for (const activity of fresh) {
        const id = Number(activity.conversationId);
        if (activity.messageId && !messageLists.has(activity.conversationId)) {
          const list = (await client.listMessages(id)) ?? [];
          messageLists.set(activity.conversationId, new Map(list.map((m) => [m.id, m])));
        }
        if (CHANGES_RECORD.has(activity.type) && !records.has(activity.conversationId)) {
          records.set(activity.conversationId, (await client.getConversation(id)) ?? undefined);
        }
      }
      let recovered = 0;
      for (const activity of fresh) {
        const message = activity.messageId ? messageLists.get(activity.conversationId)?.get(activity.messageId) : undefined;
        const { event, decoded } = newEventOf(activity, deps.now(), records.get(activity.conversationId), message);
        const appended = await deps.log.append(event);
        if (!appended.stored) continue;
        recovered++;
        try {
          deps.refresher.apply(decoded);
        } catch (error) {
          log.error({ err: error, eventId: event.eventId }, 'cache refresh from a repaired event failed');
        }
        deps.bus.publish(appended.event);
      }
      const done = deps.store.finishGap(gap.id, deps.now(), recovered);
      log.info({ activities: entries.length, recovered }, 'sync gap repaired from the activity log');
      return done;
    } catch (error) {
      deps.store.failGap(gap.id, (error as Error).message);
      log.warn({ err: error }, 'sync gap repair failed; it is retried at the next check');
      throw error;
    }
  }

  return {
    repair(fromMs, toMs, reason) {
      const result = running.then(() => run(fromMs, toMs, reason));
      running = result.catch(() => undefined);
      return result;
    },
  };
}

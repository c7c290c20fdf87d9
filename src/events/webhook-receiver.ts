// POST /webhooks/dixa: signature header (present, well-formed, fresh) and Content-Length,
// then the raw body (size-bounded, a bounded number at once) -> signature -> decode -> log -> cache ->
// subscribers, then 2xx. Dixa only learns "stored" or "refused": any verification failure
// is a 401 with nothing stored; a repeat delivery (same event_id) is a 200 that changes
// nothing, so Dixa's retries are harmless. The secret and the signature never reach a log.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { EventLogUnavailableError, HttpError } from '../errors.js';
import { readRawBody, sendJson } from '../http/read-body.js';
import type { WebhookCacheUpdates } from './webhook-cache-updates.js';
import { BodyGate } from '../http/body-gate.js';
import type { EventBus } from './event-bus.js';
import { encodeEventCursor, type AppendResult, type EventLog } from './event-log.js';
import { webhookChangeIdentity } from './change-identity.js';
import { decodeWebhook } from './webhook-payload.js';
import { precheckDixaSignature, verifyDixaSignature, webhookKey } from './webhook-signature.js';

export interface WebhookReceiverOptions {
  /** Read per request: demo mode sets the secret after the config was loaded. */
  secretHex: () => string | undefined;
  /** The secret adopted from the Dixa subscription (src/sync); a delivery signed with either is accepted. */
  adoptedSecretHex?: () => string | undefined;
  /** Told when a delivery is accepted, and when one that carried a signature is refused. */
  observer?: { accepted(atMs: number): void; rejected(atMs: number, code: string): void };
  toleranceMs: number;
  maxBodyBytes: number;
  log: EventLog;
  bus: EventBus;
  refresher: WebhookCacheUpdates;
  logger: Logger;
  now?: () => number;
  /** Bounds the unverified bodies read at once; default: 64. */
  gate?: BodyGate;
}

export type WebhookHandler = (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>;

const SUBSCRIPTION_ID = /^[\w-]{1,64}$/;
export const DEFAULT_PENDING_BODIES = 64;

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookHandler {
  const now = options.now ?? Date.now;
  const gate = options.gate ?? new BodyGate(DEFAULT_PENDING_BODIES);
  // At most two secrets are live (configured and adopted); their keys are decoded once.
  let cachedKeys = new Map<string, Buffer>();
  const keyFor = (hex: string): Buffer => {
    let key = cachedKeys.get(hex);
    if (!key) {
      if (cachedKeys.size >= 4) cachedKeys = new Map();
      key = webhookKey(hex);
      cachedKeys.set(hex, key);
    }
    return key;
  };

  return async (req, res, requestId) => {
    if ((req.method ?? '').toUpperCase() !== 'POST') {
      req.resume();
      throw new HttpError(405, 'Dixa delivers webhooks with POST.', 'METHOD_NOT_ALLOWED');
    }
    const secrets = [options.secretHex(), options.adoptedSecretHex?.()].filter((s): s is string => Boolean(s));
    if (secrets.length === 0) {
      req.resume();
      throw new HttpError(
        503,
        "Webhooks are off: run the configureWebhooks mutation (or set DIXA_WEBHOOK_SECRET to the Dixa webhook subscription's secretKey, hex) so deliveries can be verified.",
        'WEBHOOKS_NOT_CONFIGURED',
      );
    }
    const rawSubscription = headerOf(req, 'x-dixa-subscription-id')?.trim();
    const subscriptionId = rawSubscription && SUBSCRIPTION_ID.test(rawSubscription) ? rawSubscription : null;
    const log = options.logger.child({ requestId, subscriptionId });

    // Everything the headers can tell is judged before one byte of the body is read; a
    // refused request's connection is closed rather than drained.
    const signature = headerOf(req, 'x-dixa-signature');
    const precheck = precheckDixaSignature(signature, { now: now(), toleranceMs: options.toleranceMs });
    if (!precheck.ok) {
      if (signature) options.observer?.rejected(now(), precheck.code);
      log.warn({ code: precheck.code, remoteAddress: req.socket.remoteAddress }, 'webhook refused');
      res.setHeader('connection', 'close');
      throw new HttpError(401, precheck.reason, precheck.code);
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
      res.setHeader('connection', 'close');
      throw new HttpError(413, `The request body is larger than ${options.maxBodyBytes} bytes (DIXA_WEBHOOK_MAX_BYTES).`, 'PAYLOAD_TOO_LARGE');
    }
    if (!gate.tryEnter()) {
      log.warn({ pending: gate.inFlight }, 'webhook refused: too many unverified bodies being read');
      res.setHeader('connection', 'close');
      res.setHeader('retry-after', '1');
      throw new HttpError(503, 'Too many webhook deliveries are being received at once; retry shortly.', 'WEBHOOKS_BUSY');
    }
    let raw: Buffer;
    try {
      raw = await readRawBody(req, options.maxBodyBytes);
    } finally {
      gate.leave();
    }

    const verify = (secret: string) => verifyDixaSignature(raw, signature, keyFor(secret), { now: now(), toleranceMs: options.toleranceMs });
    let verdict = verify(secrets[0] as string);
    for (const other of secrets.slice(1)) {
      if (verdict.ok) break;
      const next = verify(other);
      if (next.ok) verdict = next;
    }
    if (!verdict.ok) {
      if (signature) options.observer?.rejected(now(), verdict.code);
      log.warn({ code: verdict.code, remoteAddress: req.socket.remoteAddress }, 'webhook refused');
      throw new HttpError(401, verdict.reason, verdict.code);
    }
    const receivedAt = now();
    const decoded = decodeWebhook(raw, receivedAt);
    if (!decoded.ok) {
      log.warn({ code: decoded.code }, 'webhook refused');
      throw new HttpError(400, decoded.reason, decoded.code);
    }
    const { event } = decoded;
    let appended: AppendResult;
    try {
      appended = await options.log.append({
        eventId: event.eventId,
        rawType: event.fqn,
        conversationId: event.conversationId,
        occurredAt: event.occurredAt,
        receivedAt: new Date(receivedAt).toISOString(),
        subscriptionId,
        body: raw.toString('utf8'),
        source: 'WEBHOOK',
        // A message or change a gap repair already stored is a duplicate (src/sync/change-identity.ts).
        ...webhookChangeIdentity(event),
      });
    } catch (error) {
      if (!(error instanceof EventLogUnavailableError)) throw error;
      // Not stored, so not acknowledged: Dixa retries the delivery, here or on another replica.
      log.warn({ eventId: event.eventId }, 'webhook refused: the shared event log (Redis) is unreachable');
      res.setHeader('retry-after', String(error.retryAfterSeconds));
      throw new HttpError(503, 'The event log is unreachable; the event was not stored. Retry the delivery shortly.', 'SERVICE_UNAVAILABLE');
    }
    options.observer?.accepted(receivedAt);
    if (appended.stored) {
      try {
        options.refresher.apply(event);
      } catch (error) {
        // The event is stored; a cache that missed it only waits for its TTL.
        log.error({ err: error, eventId: event.eventId }, 'cache refresh from webhook failed');
      }
      options.bus.publish(appended.event);
      log.debug({ eventId: event.eventId, type: event.fqn, seq: appended.event.seq }, 'webhook stored');
    } else {
      log.debug({ eventId: event.eventId }, 'webhook repeated; already stored');
    }
    sendJson(res, 200, {
      status: appended.stored ? 'stored' : 'duplicate',
      eventId: appended.event.eventId,
      cursor: encodeEventCursor(appended.event.seq),
    });
  };
}

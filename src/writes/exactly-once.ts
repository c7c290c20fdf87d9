// Sending a message POST exactly once. The transport never repeats a POST; this does, but
// only after asking Dixa whether the first one landed: a POST that failed ambiguously
// (timeout, reset, 5xx) may have been stored, so the conversation's messages are read
// (bypassing the cache) and searched for our externalId. Found means sent. Dixa's own
// 400 "Duplicate externalId" also means sent.
import type { DixaClient } from '../datasources/dixa/client.js';
import type { DixaAddedMessage, DixaMessage, DixaOutboundMessageInput } from '../datasources/dixa/types.js';
import { ErrorCode, GatewayError, UpstreamError } from '../errors.js';

/** Attempts in all: the first POST and at most two more after Dixa was checked. */
const MAX_POSTS = 3;

export interface SentMessage {
  messageId: string;
  /** Dixa's add-message answer, when the POST itself succeeded. */
  added?: DixaAddedMessage;
  /** The conversation's messages as just read from Dixa, when we had to look. */
  messages?: DixaMessage[];
}

/**
 * May Dixa have stored the write although the call failed? True for timeouts, broken
 * connections, 5xx and unreadable 2xx answers; false for answers that refuse it (4xx)
 * and for the gateway's own refusals (open circuit, rate-limit queue full).
 */
export function isAmbiguous(error: unknown): boolean {
  if (!(error instanceof GatewayError) || error.extensions.circuit === 'open') return false;
  const status = error.extensions.dixaStatus;
  if (typeof status === 'number') return status >= 500 || (status >= 200 && status < 300);
  return error.code === ErrorCode.UPSTREAM_TIMEOUT || error.code === ErrorCode.UPSTREAM_ERROR;
}

export function isDuplicateExternalId(error: unknown): boolean {
  return (
    error instanceof GatewayError &&
    error.extensions.dixaStatus === 400 &&
    /duplicate\s*externalid/i.test(error.message)
  );
}

export async function sendMessageOnce(
  client: DixaClient,
  conversationId: number,
  message: DixaOutboundMessageInput & { externalId: string },
): Promise<SentMessage> {
  for (let attempt = 1; ; attempt++) {
    try {
      const added = await client.addMessage(conversationId, message);
      return { messageId: added.messageId, added };
    } catch (error) {
      if (isDuplicateExternalId(error)) {
        const found = await lookFor(client, conversationId, message.externalId);
        if (found) return found;
        throw new UpstreamError(
          `add a message to conversation ${conversationId}`,
          `Dixa reports externalId ${JSON.stringify(message.externalId)} as sent but does not list it`,
          {},
          { cause: error },
        );
      }
      if (!isAmbiguous(error)) throw error;
      // If Dixa cannot be read either, the answer is unknown: report the original failure;
      // a retry with the same idempotencyKey checks again before sending.
      const found = await lookFor(client, conversationId, message.externalId).catch(() => {
        throw error;
      });
      if (found) return found;
      if (attempt >= MAX_POSTS) throw error;
    }
  }
}

async function lookFor(client: DixaClient, conversationId: number, externalId: string): Promise<SentMessage | undefined> {
  const messages = (await client.listMessages(conversationId)) ?? [];
  const message = messages.find((m) => m.externalId === externalId);
  return message ? { messageId: message.id, messages } : undefined;
}

// Sending a message POST exactly once. The transport never repeats a POST; this does, but
// only after asking Dixa whether the first one landed: a POST that failed ambiguously
// (timeout, reset, 5xx) may have been stored, so the conversation's messages are read
// (bypassing the cache) and searched for our externalId. Found means sent. Dixa's own
// 400 "Duplicate externalId" also means sent. A 429 means Dixa stored nothing: the POST
// is sent again once Retry-After has passed (the transport has paused the token's rate
// limiter for it, and the request's deadline aborts that wait).
import type { DixaClient } from '../datasources/dixa/client.js';
import type { DixaAddedMessage, DixaMessage, DixaOutboundMessageInput } from '../datasources/dixa/types.js';
import { mayHaveBeenStored } from '../datasources/dixa/retry-policy.js';
import { DixaRateLimitError, DuplicateExternalIdError, UpstreamError } from '../errors.js';

/** Attempts in all: the first POST and at most two more after Dixa was checked. */
const MAX_POSTS = 3;
/** POSTs sent again after Dixa answered 429, on top of MAX_POSTS. */
const MAX_RATE_LIMITED_RESENDS = 3;

export interface SentMessage {
  messageId: string;
  /** Dixa's add-message answer, when the POST itself succeeded. */
  added?: DixaAddedMessage;
  /** The conversation's messages as just read from Dixa, when we had to look. */
  messages?: DixaMessage[];
}


export async function sendMessageOnce(
  client: DixaClient,
  conversationId: number,
  message: DixaOutboundMessageInput & { externalId: string },
): Promise<SentMessage> {
  let rateLimited = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const added = await client.addMessage(conversationId, message);
      return { messageId: added.messageId, added };
    } catch (error) {
      if (error instanceof DuplicateExternalIdError) {
        const found = await lookFor(client, conversationId, message.externalId);
        if (found) return found;
        throw new UpstreamError(
          `add a message to conversation ${conversationId}`,
          `Dixa reports externalId ${JSON.stringify(message.externalId)} as sent but does not list it`,
          {},
          { cause: error },
        );
      }
      if (error instanceof DixaRateLimitError && rateLimited < MAX_RATE_LIMITED_RESENDS) {
        // Not counted against MAX_POSTS: nothing was stored. The limiter holds the next POST
        // until Retry-After; one that would wait past DIXA_RATE_LIMIT_MAX_WAIT_MS is refused
        // at once with RATE_LIMITED, and the request's deadline aborts the wait.
        rateLimited++;
        attempt--;
        continue;
      }
      if (!mayHaveBeenStored(error)) throw error;
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

// Records the gateway put together itself from less than a REST read gives (a webhook
// payload about a conversation it had not cached). They answer what they know — state,
// assignment, queue — and are swapped for the REST record when a resolver needs more.
import type { DixaConversation } from './types.js';

const partial = new WeakSet<DixaConversation>();

export function markPartial(record: DixaConversation): DixaConversation {
  partial.add(record);
  return record;
}

export function isPartial(record: DixaConversation): boolean {
  return partial.has(record);
}

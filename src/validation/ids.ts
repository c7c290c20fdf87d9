// Ids are checked by kind before they reach a Dixa URL: conversation ids are int64
// integers, users, agents, queues and tags are uuids. Anything else (`../agents`,
// `1?x=y`, encoded slashes) is refused here, so no caller can steer a Dixa request.
import { BadUserInputError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INT64_MAX = 9223372036854775807n;

export type UuidKind = 'customer' | 'agent' | 'queue' | 'tag' | 'widget' | 'custom attribute' | 'webhook subscription';

function show(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw);
}

/** A positive integer that fits Dixa's int64 and JavaScript's safe integers. */
export function parseConversationId(raw: string | number, argument = 'id'): number {
  const text = String(raw).trim();
  if (/^\d{1,19}$/.test(text) && BigInt(text) <= INT64_MAX) {
    const id = Number(text);
    if (id > 0 && Number.isSafeInteger(id)) return id;
  }
  throw new BadUserInputError(`${argument} must be a Dixa conversation id (a positive integer such as 1042); got ${show(text)}.`, {
    argument,
  });
}

export function isUuid(raw: string): boolean {
  return UUID.test(raw);
}

export function parseUuid(raw: string, kind: UuidKind, argument = 'id'): string {
  const text = raw.trim();
  if (!UUID.test(text)) {
    throw new BadUserInputError(`${argument} must be a Dixa ${kind} id (a uuid such as 0e4d0ead-dc69-470a-9b3a-e7eb16a56453); got ${show(text)}.`, {
      argument,
    });
  }
  return text.toLowerCase();
}

// searchConversations' text and filter, checked before they become a Dixa search body:
// bounded sizes, and every id in a filter of the right kind.
import { BadUserInputError } from '../errors.js';
import type { ConversationFilter } from '../generated/graphql.js';
import { parseList } from './arguments.js';
import { parseUuid, type UuidKind } from './ids.js';

/** Filter lists become Dixa search conditions; keep them a sensible size. */
const MAX_FILTER_VALUES = 50;
export const MAX_SEARCH_TEXT = 500;

export function parseSearchText(text: string | null | undefined): string | undefined {
  if (text && text.length > MAX_SEARCH_TEXT) {
    throw new BadUserInputError(`text may be at most ${MAX_SEARCH_TEXT} characters.`, { argument: 'text' });
  }
  return text ?? undefined;
}

function uuids(values: readonly string[] | null | undefined, kind: UuidKind, name: string): string[] | undefined {
  if (!values) return undefined;
  return parseList(values, MAX_FILTER_VALUES, `filter.${name}`).map((value, i) => parseUuid(value, kind, `filter.${name}[${i}]`));
}

/** A copy of the filter with its ids validated and normalised; the caller's arguments stay as sent. */
export function parseConversationFilter(filter: ConversationFilter | null | undefined): ConversationFilter | undefined {
  if (!filter) return undefined;
  return {
    ...filter,
    assigneeIds: uuids(filter.assigneeIds, 'agent', 'assigneeIds'),
    queueIds: uuids(filter.queueIds, 'queue', 'queueIds'),
    customerIds: uuids(filter.customerIds, 'customer', 'customerIds'),
    tagIds: uuids(filter.tagIds, 'tag', 'tagIds'),
  };
}

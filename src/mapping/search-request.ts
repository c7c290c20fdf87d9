// GraphQL search arguments -> Dixa's search body (`POST /search/conversations`), in the
// search vocabulary (lower-case channels and states). Pure; ids are validated by the caller.
import type { DixaSearchCondition, DixaSearchRequest } from '../datasources/dixa/types.js';
import { BadUserInputError } from '../errors.js';
import type { ConversationFilter } from '../generated/graphql.js';
import { toSearchTimestamp } from './timestamp.js';
import { channelToSearch, stateToSearch } from './vocabulary.js';

function condition(field: string, operator: DixaSearchCondition['field']['operator']): DixaSearchCondition {
  return { field: { _type: field, operator } };
}

function isOneOf(field: string, values: readonly unknown[]): DixaSearchCondition {
  return condition(field, { _type: 'IsOneOf', values: [...new Set(values)] });
}

function creationDate(after: string | null | undefined, before: string | null | undefined): DixaSearchCondition | null {
  if (after && before) {
    return condition('CreationDate', {
      _type: 'Between',
      timestampFrom: toSearchTimestamp(after),
      timestampTo: toSearchTimestamp(before),
    });
  }
  if (after) return condition('CreationDate', { _type: 'Since', timestamp: toSearchTimestamp(after) });
  if (before) return condition('CreationDate', { _type: 'Until', timestamp: toSearchTimestamp(before) });
  return null;
}

export function buildSearchRequest(text: string | null | undefined, filter: ConversationFilter | null | undefined): DixaSearchRequest {
  const request: DixaSearchRequest = {};
  const query = text?.trim();
  if (query) request.query = { value: query, exactMatch: false };

  const conditions: DixaSearchCondition[] = [];
  if (filter?.states?.length) conditions.push(isOneOf('Status', filter.states.map(stateToSearch)));
  if (filter?.channels?.length) {
    const values = filter.channels.map((channel) => {
      const value = channelToSearch(channel);
      if (value === undefined) throw new BadUserInputError(`Dixa's search cannot filter on channel ${channel}; remove it from filter.channels.`);
      return value;
    });
    conditions.push(isOneOf('Channel', values));
  }
  if (filter?.assigneeIds?.length) conditions.push(isOneOf('AgentId', filter.assigneeIds));
  if (filter?.queueIds?.length) conditions.push(isOneOf('QueueId', filter.queueIds));
  if (filter?.customerIds?.length) conditions.push(isOneOf('ContactId', filter.customerIds));
  if (filter?.tagIds?.length) conditions.push(condition('TagId', { _type: 'IncludesOne', values: [...new Set(filter.tagIds)] }));
  const created = creationDate(filter?.createdAfter, filter?.createdBefore);
  if (created) conditions.push(created);

  if (conditions.length > 0) request.filters = { strategy: 'All', conditions };
  return request;
}

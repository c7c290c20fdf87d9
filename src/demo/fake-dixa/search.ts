// POST /search/conversations semantics: text query over subject and message text, and the
// filter conditions from REFERENCE.md's search section. Unknown fields/operators are 400s.

import type { DixaConversation, DixaMessage, DixaSearchHit } from './wire.js';
import { badRequest, decodingFailure } from './reply.js';
import { objectBody, typeTag, type JsonObject } from './input.js';
import { parseDixaTime } from './time.js';
import { searchChannel, searchChannels, searchDirectionOf, searchDirections, searchStatusOf, searchStatuses } from './vocabulary.js';
import type { FakeWorld } from './world.js';

/** The readable text of a message (HTML tags stripped), for search and highlights. */
export function messageText(message: DixaMessage): string {
  const a = message.attributes as { content?: { value?: string } | null; emailContent?: { _type: string; content?: { value?: string } } | null; formSubmission?: { values?: Record<string, unknown> } | null };
  const parts: string[] = [];
  if (a.emailContent?._type === 'Regular' && a.emailContent.content?.value) parts.push(a.emailContent.content.value);
  if (a.content?.value) parts.push(a.content.value);
  for (const v of Object.values(a.formSubmission?.values ?? {})) parts.push(Array.isArray(v) ? v.join(' ') : String(v));
  return parts.join(' ').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
}

type Predicate = (c: DixaConversation, world: FakeWorld) => boolean;

/** Matching hits, newest first. Throws 400 on a malformed request. */
export function searchConversations(world: FakeWorld, body: unknown): DixaSearchHit[] {
  const request = body === undefined ? {} : objectBody(body);
  const textMatch = parseQuery(request.query);
  const filter = parseFilters(request.filters);
  const hits: { conversation: DixaConversation; hit: DixaSearchHit }[] = [];
  for (const conversation of world.conversations.values()) {
    if (!filter(conversation, world)) continue;
    const highlights = textMatch ? textMatch(conversation, world) : {};
    if (!highlights) continue;
    hits.push({ conversation, hit: { id: conversation.id, highlights } });
  }
  hits.sort((x, y) => Date.parse(y.conversation.createdAt) - Date.parse(x.conversation.createdAt) || y.conversation.id - x.conversation.id);
  return hits.map((h) => h.hit);
}

type TextMatcher = (c: DixaConversation, world: FakeWorld) => Record<string, string[]> | undefined;

function parseQuery(raw: unknown): TextMatcher | undefined {
  if (raw === undefined || raw === null) return undefined;
  const query = objectBody(raw);
  if (typeof query.value !== 'string') throw decodingFailure();
  if (query.exactMatch !== undefined && typeof query.exactMatch !== 'boolean') throw decodingFailure();
  const value = query.value.trim().toLowerCase();
  if (value === '') return undefined;
  // Exact: the phrase as a whole; otherwise every word somewhere in the conversation.
  const terms = query.exactMatch ? [value] : value.split(/\s+/);
  return (conversation, world) => {
    const subject = conversation.subject ?? '';
    const texts = (world.messages.get(conversation.id) ?? []).map(messageText);
    const haystack = [subject, ...texts].join('\n').toLowerCase();
    if (!terms.every((t) => haystack.includes(t))) return undefined;
    const highlights: Record<string, string[]> = {};
    const subjectHit = highlight(subject, terms);
    if (subjectHit) highlights.subject = [subjectHit];
    const messageHits = texts.map((t) => highlight(t, terms)).filter((h): h is string => h !== undefined);
    if (messageHits.length > 0) highlights['messages.content'] = messageHits.slice(0, 3);
    return highlights;
  };
}

/** A snippet of `text` around the first term, with every term wrapped in Dixa's `<em>`. */
function highlight(text: string, terms: string[]): string | undefined {
  const lower = text.toLowerCase();
  const first = Math.min(...terms.map((t) => lower.indexOf(t)).filter((i) => i >= 0));
  if (!Number.isFinite(first)) return undefined;
  const start = Math.max(0, first - 40);
  let snippet = text.slice(start, start + 160);
  for (const term of terms) {
    const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    snippet = snippet.replace(new RegExp(escaped, 'gi'), (m) => `<em class="highlight">${m}</em>`);
  }
  return snippet;
}

function parseFilters(raw: unknown): Predicate {
  if (raw === undefined || raw === null) return () => true;
  const filters = objectBody(raw);
  const strategy = filters.strategy;
  if (strategy !== 'All' && strategy !== 'Any') throw decodingFailure();
  if (!Array.isArray(filters.conditions)) throw decodingFailure();
  const predicates = filters.conditions.map(parseCondition);
  if (predicates.length === 0) return () => true;
  return strategy === 'All'
    ? (c, w) => predicates.every((p) => p(c, w))
    : (c, w) => predicates.some((p) => p(c, w));
}

function valuesOf(operator: JsonObject): unknown[] {
  if (!Array.isArray(operator.values)) throw decodingFailure();
  return operator.values;
}

function stringValues(operator: JsonObject): string[] {
  return valuesOf(operator).map((v) => {
    if (typeof v !== 'string' && typeof v !== 'number') throw decodingFailure();
    return String(v);
  });
}

/** IsOneOf / IsNotOneOf / IsEmpty / IsNotEmpty on one optional value. */
function membership(operator: JsonObject, allowEmpty: boolean, read: (c: DixaConversation) => string | undefined, allowed?: ReadonlySet<string>): Predicate {
  const op = typeTag(operator);
  if (op === 'IsOneOf' || op === 'IsNotOneOf') {
    const values = stringValues(operator);
    if (allowed) for (const v of values) if (!allowed.has(v)) throw badRequest(`Invalid value for: body (unknown value ${v})`);
    const set = new Set(values.map((v) => v.toLowerCase()));
    const inSet = (c: DixaConversation): boolean => {
      const v = read(c);
      return v !== undefined && set.has(v.toLowerCase());
    };
    return op === 'IsOneOf' ? inSet : (c) => !inSet(c);
  }
  if (allowEmpty && op === 'IsEmpty') return (c) => read(c) === undefined;
  if (allowEmpty && op === 'IsNotEmpty') return (c) => read(c) !== undefined;
  throw unknownOperator(op);
}

function tagCondition(operator: JsonObject): Predicate {
  const op = typeTag(operator);
  const tagsOf = (c: DixaConversation, w: FakeWorld): string[] => w.conversationTags.get(c.id) ?? [];
  if (op === 'IsEmpty') return (c, w) => tagsOf(c, w).length === 0;
  if (op === 'IsNotEmpty') return (c, w) => tagsOf(c, w).length > 0;
  const values = stringValues(operator).map((v) => v.toLowerCase());
  switch (op) {
    case 'IncludesOne':
      return (c, w) => values.some((v) => tagsOf(c, w).includes(v));
    case 'IncludesAll':
      return (c, w) => values.every((v) => tagsOf(c, w).includes(v));
    case 'ExcludesOne':
      return (c, w) => values.some((v) => !tagsOf(c, w).includes(v));
    case 'ExcludesAll':
      return (c, w) => values.every((v) => !tagsOf(c, w).includes(v));
    default:
      throw unknownOperator(op);
  }
}

function timeCondition(operator: JsonObject, read: (c: DixaConversation, w: FakeWorld) => number | undefined): Predicate {
  const op = typeTag(operator);
  const at = (key: string): number => {
    const raw = operator[key];
    if (typeof raw !== 'string') throw decodingFailure();
    const ms = parseDixaTime(raw);
    if (Number.isNaN(ms)) throw decodingFailure();
    return ms;
  };
  const within = (lo: number, hi: number): Predicate => (c, w) => {
    const t = read(c, w);
    return t !== undefined && t >= lo && t <= hi;
  };
  switch (op) {
    case 'Between':
      return within(at('timestampFrom'), at('timestampTo'));
    case 'Since':
      return within(at('timestamp'), Number.POSITIVE_INFINITY);
    case 'Until':
      return within(Number.NEGATIVE_INFINITY, at('timestamp'));
    default:
      throw unknownOperator(op);
  }
}

function customAttributeCondition(field: JsonObject): Predicate {
  const attributeId = field.attributeId;
  if (typeof attributeId !== 'string') throw decodingFailure();
  const operator = objectBody(field.operator);
  const op = typeTag(operator);
  const valueOf = (c: DixaConversation): string[] | undefined => {
    const value = c.customAttributes?.find((a) => a.id === attributeId)?.value;
    if (value === undefined || value === null) return undefined;
    return Array.isArray(value) ? value : [value];
  };
  if (op === 'IsEmpty') return (c) => valueOf(c) === undefined;
  if (op === 'IsNotEmpty') return (c) => valueOf(c) !== undefined;
  if (op !== 'IsOneOf' && op !== 'IsNotOneOf') throw unknownOperator(op);
  // Values are paths: [["text"]] or [["parent","child"]]; a path matches a value that starts with it.
  const paths = valuesOf(operator).map((p) => {
    if (!Array.isArray(p) || !p.every((s) => typeof s === 'string')) throw decodingFailure();
    return p as string[];
  });
  const matches = (c: DixaConversation): boolean => {
    const value = valueOf(c);
    return value !== undefined && paths.some((p) => p.every((s, i) => value[i] === s));
  };
  return op === 'IsOneOf' ? matches : (c) => !matches(c);
}

function lastMessageAt(c: DixaConversation, w: FakeWorld): number | undefined {
  const list = w.messages.get(c.id) ?? [];
  const last = list[list.length - 1];
  return last ? parseDixaTime(last.createdAt) : undefined;
}

function parseCondition(raw: unknown): Predicate {
  const condition = objectBody(raw);
  const field = objectBody(condition.field);
  const name = typeTag(field);
  if (name === 'CustomAttribute') return customAttributeCondition(field);
  const operator = objectBody(field.operator);
  switch (name) {
    case 'AgentId':
      return membership(operator, true, (c) => c.assignment?.agentId);
    case 'QueueId':
      return membership(operator, true, (c) => c.queue?.id);
    case 'ContactId':
      return membership(operator, false, (c) => c.requesterId);
    case 'ConversationId':
      return membership(operator, false, (c) => String(c.id));
    case 'Channel':
      return membership(operator, false, (c) => searchChannel(c.channel), searchChannels);
    case 'Direction':
      return membership(operator, false, (c) => (c.direction ? searchDirectionOf[c.direction] : undefined), searchDirections);
    case 'Status':
      return membership(operator, false, (c) => (c.state ? searchStatusOf[c.state] : undefined), searchStatuses);
    case 'TagId':
      return tagCondition(operator);
    case 'CreationDate':
      return timeCondition(operator, (c) => Date.parse(c.createdAt));
    case 'AssignedDate':
      return timeCondition(operator, (c) => (c.assignment?.assignedAt ? parseDixaTime(c.assignment.assignedAt) : undefined));
    case 'ClosedDate':
      return timeCondition(operator, (c) => (c.state === 'Closed' && c.stateUpdatedAt ? parseDixaTime(c.stateUpdatedAt) : undefined));
    case 'LastMessage':
      return timeCondition(operator, lastMessageAt);
    case 'LastActivity':
      return timeCondition(operator, (c, w) => Math.max(lastMessageAt(c, w) ?? 0, c.stateUpdatedAt ? parseDixaTime(c.stateUpdatedAt) : 0, Date.parse(c.createdAt)));
    default:
      throw badRequest(`Invalid value for: body (unknown search field ${name})`);
  }
}

function unknownOperator(op: string) {
  return badRequest(`Invalid value for: body (unsupported operator ${op})`);
}

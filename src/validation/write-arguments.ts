// Bounds and shapes of mutation arguments that the schema's types cannot express: text
// sizes, idempotency keys, tag names, dates in the future, custom-attribute maps. Each
// failure is BAD_USER_INPUT naming the argument and what a valid value looks like.
import { BadUserInputError } from '../errors.js';
import type { ContentFormat } from '../generated/graphql.js';
import type { DixaContentType } from '../datasources/dixa/types.js';
import { isUuid, parseUuid } from './ids.js';

export const LIMITS = {
  /** A reply or first message; Dixa turns larger email bodies into a download link anyway. */
  content: 100_000,
  note: 10_000,
  subject: 500,
  idempotencyKey: 128,
  tagName: 100,
  tags: 20,
  recipients: 20,
  name: 200,
  externalId: 200,
  customAttributes: 50,
  customAttributeValue: 1_000,
  customAttributePath: 10,
} as const;

function fail(argument: string, message: string): never {
  throw new BadUserInputError(`${argument} ${message}`, { argument });
}

/** Required body text: not blank, at most `max` characters; kept as written (no trimming). */
export function parseBody(raw: string, argument: string, max: number): string {
  if (raw.trim() === '') fail(argument, 'must not be blank.');
  if (raw.length > max) fail(argument, `may be at most ${max} characters; got ${raw.length}. Shorten it.`);
  return raw;
}

/** Optional short text: trimmed; blank counts as absent. */
export function parseOptionalText(raw: string | null | undefined, argument: string, max: number): string | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  if (text.length > max) fail(argument, `may be at most ${max} characters; got ${text.length}.`);
  return text;
}

/** Visible ASCII only, so a key survives logs, headers and Dixa's externalId unchanged. */
export function parseIdempotencyKey(raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (!/^[\x21-\x7e]+$/.test(raw) || raw.length > LIMITS.idempotencyKey) {
    fail('idempotencyKey', `must be 1 to ${LIMITS.idempotencyKey} visible ASCII characters without spaces, e.g. a uuid.`);
  }
  return raw;
}

export function contentTypeOf(format: ContentFormat | null | undefined): DixaContentType {
  return format === 'HTML' ? 'Html' : 'Text';
}

export function parseOptionalUuid(raw: string | null | undefined, kind: Parameters<typeof parseUuid>[1], argument: string): string | undefined {
  return raw === null || raw === undefined ? undefined : parseUuid(raw, kind, argument);
}

export function parseTagName(raw: string, argument = 'tag'): string {
  const name = raw.trim();
  if (name === '') fail(argument, 'must be a tag name; got a blank one.');
  if (name.length > LIMITS.tagName) fail(argument, `may be at most ${LIMITS.tagName} characters; got ${name.length}.`);
  return name;
}

/** Tag names, trimmed and deduplicated case-insensitively (Dixa's names are). */
export function parseTagNames(raw: readonly string[] | null | undefined): string[] {
  if (!raw) return [];
  if (raw.length > LIMITS.tags) fail('tags', `may hold at most ${LIMITS.tags} names; got ${raw.length}.`);
  const seen = new Set<string>();
  const names: string[] = [];
  raw.forEach((value, i) => {
    const name = parseTagName(value, `tags[${i}]`);
    if (seen.has(name.toLowerCase())) return;
    seen.add(name.toLowerCase());
    names.push(name);
  });
  return names;
}

/** A DateTime argument (graphql-scalars hands over a Date) that lies in the future, as ISO-8601. */
export function parseFutureDateTime(raw: unknown, argument: string): string {
  const date = raw instanceof Date ? raw : new Date(String(raw));
  if (Number.isNaN(date.getTime())) fail(argument, 'must be an ISO-8601 date-time such as 2030-01-31T09:00:00Z.');
  if (date.getTime() <= Date.now()) fail(argument, `must be in the future; got ${date.toISOString()}.`);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export type CustomAttributeValues = Record<string, string | string[] | null>;

/**
 * `{"<attribute uuid>": "text" | ["select", "path"] | null}`, Dixa's PATCH body. Keys are
 * attribute ids (uuids), not identifiers: Dixa keys the patch by id.
 */
export function parseCustomAttributes(raw: unknown): CustomAttributeValues | undefined {
  if (raw === null || raw === undefined) return undefined;
  const argument = 'customAttributes';
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    fail(argument, 'must be an object keyed by custom attribute id (uuid), e.g. {"0e4d0ead-dc69-470a-9b3a-e7eb16a56453": "A-1042"}.');
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > LIMITS.customAttributes) fail(argument, `may set at most ${LIMITS.customAttributes} attributes; got ${entries.length}.`);
  const values: CustomAttributeValues = {};
  for (const [key, value] of entries) {
    if (!isUuid(key)) fail(argument, `keys must be custom attribute ids (uuids); got ${JSON.stringify(key.slice(0, 60))}.`);
    const at = `${argument}.${key}`;
    if (value === null) {
      values[key.toLowerCase()] = null;
    } else if (typeof value === 'string') {
      if (value.length > LIMITS.customAttributeValue) fail(at, `may be at most ${LIMITS.customAttributeValue} characters.`);
      values[key.toLowerCase()] = value;
    } else if (Array.isArray(value) && value.length > 0 && value.length <= LIMITS.customAttributePath && value.every((v) => typeof v === 'string' && v.length <= LIMITS.name)) {
      values[key.toLowerCase()] = value as string[];
    } else {
      fail(at, `must be a string (text attribute), a list of 1 to ${LIMITS.customAttributePath} option values (select attribute), or null (clear).`);
    }
  }
  return values;
}

/** BCP-47-like language tag, e.g. "en" or "da-DK". */
export function parseLanguage(raw: string | null | undefined): string | undefined {
  if (raw === null || raw === undefined || raw.trim() === '') return undefined;
  const language = raw.trim();
  if (!/^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8}){0,2}$/.test(language)) fail('language', 'must be a language code such as "en" or "da-DK".');
  return language;
}

export function parsePhoneNumber(raw: string | null | undefined, argument: string): string | undefined {
  const phone = raw?.trim();
  if (!phone) return undefined;
  if (!/^\+?[0-9][0-9 ()-]{4,24}$/.test(phone)) fail(argument, 'must be a phone number, preferably E.164 such as +4512345678.');
  return phone;
}

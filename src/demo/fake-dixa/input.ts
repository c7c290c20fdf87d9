// Reading and checking request input (path ids, query values, JSON bodies); each check
// throws the 400 Dixa would send.

import { badRequest, decodingFailure } from './reply.js';
import { parseDixaTime } from './time.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A conversation id path segment: an int64, else 400. */
export function conversationIdParam(raw: string | undefined, name = 'conversationId'): number {
  if (raw === undefined || !/^-?\d{1,19}$/.test(raw)) throw badRequest(`Invalid value for: path parameter ${name}`);
  const id = Number(raw);
  if (!Number.isSafeInteger(id)) throw badRequest(`Invalid value for: path parameter ${name}`);
  return id;
}

export function uuidParam(raw: string | undefined, name: string): string {
  if (!isUuid(raw)) throw badRequest(`Invalid value for: path parameter ${name}`);
  return raw.toLowerCase();
}

export function positiveIntQuery(query: Record<string, string>, name: string): number | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 2_147_483_647) throw badRequest(`Invalid value for: query parameter ${name}`);
  return Number(raw);
}

export type JsonObject = Record<string, unknown>;

/** The body as a JSON object; anything else is a decoding failure. */
export function objectBody(body: unknown): JsonObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw decodingFailure();
  return body as JsonObject;
}

/** Body-optional actions (close, reopen) accept no body or an object. */
export function optionalObjectBody(body: unknown): JsonObject {
  return body === undefined ? {} : objectBody(body);
}

/** The `_type` of a union value, required as Dixa's decoder does. */
export function typeTag(obj: JsonObject): string {
  const tag = obj._type;
  if (typeof tag !== 'string') throw decodingFailure();
  return tag;
}

export function requiredString(obj: JsonObject, key: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw decodingFailure();
  return value;
}

export function optionalString(obj: JsonObject, key: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw decodingFailure();
  return value;
}

export function optionalBoolean(obj: JsonObject, key: string): boolean | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw decodingFailure();
  return value;
}

export function requiredUuid(obj: JsonObject, key: string): string {
  const value = obj[key];
  if (!isUuid(value)) throw decodingFailure();
  return value.toLowerCase();
}

export function optionalUuid(obj: JsonObject, key: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!isUuid(value)) throw decodingFailure();
  return value.toLowerCase();
}

export function optionalStringArray(obj: JsonObject, key: string): string[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw decodingFailure();
  return value as string[];
}

/** Epoch ms of a date-time field, or a 400 with `message`. */
export function dateTime(value: string, message = 'Invalid date format'): number {
  const ms = parseDixaTime(value);
  if (Number.isNaN(ms)) throw badRequest(message);
  return ms;
}

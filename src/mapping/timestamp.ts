// Dixa timestamps -> ISO-8601 UTC. Dixa mixes plain ISO (`2020-12-16T09:41:43Z`), Java's
// zoned form (`2021-12-01T12:46:36.581Z[GMT]`) and offset-less local times from presence
// (`2021-12-01T12:46:35.935`, which Dixa means as UTC).

const ZONE_SUFFIX = /\[[^\]]*\]$/;
const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

// Cached records are read over and over: each distinct timestamp is parsed once.
const normalised = new Map<string, string | null>();
const MAX_REMEMBERED = 50_000;

/** Null for a missing or unreadable value: a bad timestamp must not fail a whole query. */
export function toIsoDateTime(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const known = normalised.get(raw);
  if (known !== undefined) return known;
  let value = raw.trim().replace(ZONE_SUFFIX, '');
  if (!HAS_OFFSET.test(value)) value += 'Z';
  const time = Date.parse(value);
  const iso = Number.isNaN(time) ? null : new Date(time).toISOString();
  if (normalised.size >= MAX_REMEMBERED) normalised.clear();
  normalised.set(raw, iso);
  return iso;
}

/** Search filters want `yyyy-MM-dd'T'HH:mm:ss'Z'` (no milliseconds). */
export function toSearchTimestamp(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Dixa timestamps -> ISO-8601 UTC. Dixa mixes plain ISO (`2020-12-16T09:41:43Z`), Java's
// zoned form (`2021-12-01T12:46:36.581Z[GMT]`) and offset-less local times from presence
// (`2021-12-01T12:46:35.935`, which Dixa means as UTC).

const ZONE_SUFFIX = /\[[^\]]*\]$/;
const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/** Null for a missing or unreadable value: a bad timestamp must not fail a whole query. */
export function toIsoDateTime(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let value = raw.trim().replace(ZONE_SUFFIX, '');
  if (!HAS_OFFSET.test(value)) value += 'Z';
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/** Search filters want `yyyy-MM-dd'T'HH:mm:ss'Z'` (no milliseconds). */
export function toSearchTimestamp(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Dixa's two timestamp spellings, and a lenient reader for both. Conversations, users and
// agents use plain ISO seconds; messages, notes and custom-attribute definitions use the
// Java-style zoned form, so the fake emits each where the real API does.

/** `2024-05-01T10:00:00Z` */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `2024-05-01T10:00:00.123Z[GMT]` */
export function zoned(ms: number): string {
  return `${new Date(ms).toISOString()}[GMT]`;
}

/** `2024-05-01T10:00:00.123Z`: the add-message response uses this form. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** Epoch ms of any Dixa timestamp (drops a `[Zone]` suffix; no offset means UTC); NaN if unreadable. */
export function parseDixaTime(value: string): number {
  const withoutZone = value.replace(/\[[^\]]*\]$/, '');
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/.test(withoutZone);
  const looksLikeDate = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?/.test(withoutZone);
  if (!looksLikeDate) return Number.NaN;
  return Date.parse(hasOffset || !withoutZone.includes('T') ? withoutZone : `${withoutZone}Z`);
}

// What the gateway's webhook subscription must look like (DESIGN.md "Sync that cannot
// silently stop"): every event the event log and cache freshness rely on, no filter.

/** Dixa's subscription event names the gateway needs. */
export const REQUIRED_EVENTS: readonly string[] = [
  'ConversationCreated',
  'ConversationOpen',
  'ConversationPending',
  'ConversationPendingExpired',
  'ConversationClosed',
  'ConversationAbandoned',
  'ConversationEnqueued',
  'ConversationAssigned',
  'ConversationUnassigned',
  'ConversationTransferred',
  'ConversationMessageAdded',
  'ConversationNoteAdded',
  'ConversationTagAdded',
  'ConversationTagRemoved',
  'ConversationRated',
  'ConversationCustomAttributeUpdated',
  'ConversationEndUserReplaced',
];

/** The receiver's path; Dixa delivers to PUBLIC_URL + this. */
export const WEBHOOK_PATH = '/webhooks/dixa';

/** The name the gateway gives the subscription it creates. */
export const SUBSCRIPTION_NAME = 'Applied GraphQL gateway';

export function expectedWebhookUrl(publicUrl: string | undefined): string | undefined {
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}` : undefined;
}

/** Compares delivery URLs as Dixa would reach them: scheme and host case-insensitive, no trailing slash. */
export function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      const url = new URL(u);
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}${url.search}`.toLowerCase();
    } catch {
      return u.trim().replace(/\/+$/, '').toLowerCase();
    }
  };
  return norm(a) === norm(b);
}

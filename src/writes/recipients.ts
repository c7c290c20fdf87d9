// cc/bcc of an email reply. Dixa's spec types Outbound `cc`/`bcc` as user uuids, so the
// gateway sends end-user ids: an entry that is a uuid goes as is, an e-mail address is
// resolved to the Dixa end user with that address (through the endUserByEmail loader).
// An address Dixa does not know is refused rather than guessed at.
import type { DixaLoaders } from '../datasources/dixa/loaders.js';
import { BadUserInputError } from '../errors.js';
import { parseEmail } from '../validation/arguments.js';
import { isUuid } from '../validation/ids.js';
import { LIMITS } from '../validation/write-arguments.js';

export type Recipient = { userId: string } | { email: string };

/** Shape only (no Dixa call): each entry is an end-user id or an e-mail address. */
export function parseRecipients(raw: readonly string[] | null | undefined, argument: 'cc' | 'bcc'): Recipient[] {
  if (!raw) return [];
  if (raw.length > LIMITS.recipients) {
    throw new BadUserInputError(`${argument} may hold at most ${LIMITS.recipients} recipients; got ${raw.length}.`, { argument });
  }
  return raw.map((entry, i) => {
    const text = entry.trim();
    if (isUuid(text)) return { userId: text.toLowerCase() };
    if (text.includes('@')) return { email: parseEmail(text, `${argument}[${i}]`) };
    throw new BadUserInputError(`${argument}[${i}] must be a Dixa end-user id (uuid) or an e-mail address; got ${JSON.stringify(text.slice(0, 60))}.`, {
      argument: `${argument}[${i}]`,
    });
  });
}

/** End-user ids, in order, without repeats. */
export async function resolveRecipients(loaders: DixaLoaders, recipients: Recipient[], argument: 'cc' | 'bcc'): Promise<string[]> {
  const ids = await Promise.all(
    recipients.map(async (recipient, i) => {
      if ('userId' in recipient) return recipient.userId;
      const user = await loaders.endUserByEmail.load(recipient.email);
      if (!user) {
        throw new BadUserInputError(
          `${argument}[${i}]: Dixa has no end user with the address ${recipient.email}. Add the contact in Dixa first, or pass an end-user id.`,
          { argument: `${argument}[${i}]` },
        );
      }
      return user.id.toLowerCase();
    }),
  );
  return [...new Set(ids)];
}

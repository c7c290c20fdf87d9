// The customer of a new conversation: an end user by id (checked), else the one Dixa has
// with that e-mail, else one created with the given name, phone and externalId. A cached
// "nobody has this address" is checked against Dixa before creating, so a stale cache
// never makes a second end user.
import type { RequestDixa } from '../datasources/dixa/index.js';
import type { DixaEndUserInput } from '../datasources/dixa/types.js';
import { NotFoundError } from '../errors.js';
import type { CustomerSpec } from './create-conversation-input.js';
import { mayHaveBeenStored } from '../datasources/dixa/retry-policy.js';

/** Only checks an id: for the reads-before-writes phase. */
export async function assertCustomerExists(dixa: RequestDixa, spec: CustomerSpec): Promise<void> {
  if (!spec.id) return;
  const user = await dixa.loaders.endUser.load(spec.id);
  if (!user) throw new NotFoundError(`Dixa has no customer (end user) ${spec.id} (customer.id).`, { argument: 'customer.id' });
}

/** `beforeCreate` runs right before the end user is created (createConversation records its progress there). */
export async function findOrCreateCustomer(dixa: RequestDixa, spec: CustomerSpec, beforeCreate?: () => Promise<void>): Promise<string> {
  if (spec.id) {
    await assertCustomerExists(dixa, spec);
    return spec.id;
  }
  const email = spec.email as string;
  dixa.changes.endUserEmailMayBeTaken(email);
  const user = await dixa.loaders.endUserByEmail.load(email);
  if (user) return user.id.toLowerCase();

  const input: DixaEndUserInput = { email };
  if (spec.displayName) input.displayName = spec.displayName;
  if (spec.phoneNumber) input.phoneNumber = spec.phoneNumber;
  if (spec.externalId) input.externalId = spec.externalId;
  await beforeCreate?.();
  try {
    const created = await dixa.client.createEndUser(input);
    dixa.changes.endUserSaved(created);
    return created.id.toLowerCase();
  } catch (error) {
    // It may exist now: the next attempt must look it up in Dixa, not in the cache.
    if (mayHaveBeenStored(error)) dixa.changes.endUserEmailChanged(email);
    throw error;
  }
}

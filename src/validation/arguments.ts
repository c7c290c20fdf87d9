// Checks for GraphQL arguments that the schema's types cannot express: page sizes,
// e-mail addresses, list lengths. Each failure names the argument and the valid range.
import { BadUserInputError } from '../errors.js';
import { MAX_PAGE_LIMIT } from '../datasources/dixa/types.js';

export function parseFirst(first: number | null | undefined, fallback: number, argument = 'first'): number {
  const value = first ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_LIMIT) {
    throw new BadUserInputError(`${argument} must be between 1 and ${MAX_PAGE_LIMIT}; got ${value}.`, { argument });
  }
  return value;
}

// Deliberately loose: Dixa is the authority on addresses; this only rejects what cannot be one.
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export function parseEmail(raw: string, argument = 'email'): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 320 || !EMAIL.test(email)) {
    throw new BadUserInputError(`${argument} must be an e-mail address such as alice@example.com.`, { argument });
  }
  return email;
}

export function parseList<T>(values: readonly T[], max: number, argument: string): readonly T[] {
  if (values.length > max) {
    throw new BadUserInputError(`${argument} may hold at most ${max} entries; got ${values.length}.`, { argument });
  }
  return values;
}

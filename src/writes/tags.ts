// Tags by name (case-insensitive, as Dixa treats them): the catalogue is read through the
// cached tags loader and, when a name is missing, once more from Dixa before giving up
// (a tag made in Dixa since the list was cached). Only active tags can be applied.
import type { RequestDixa } from '../datasources/dixa/index.js';
import type { DixaTag } from '../datasources/dixa/types.js';
import { BadUserInputError, NotFoundError } from '../errors.js';

function byName(tags: DixaTag[], name: string): DixaTag | undefined {
  const wanted = name.toLowerCase();
  const matches = tags.filter((tag) => tag.name.toLowerCase() === wanted);
  // Two tags may share a name when one was deactivated and remade: prefer the active one.
  return matches.find((tag) => tag.state !== 'Inactive') ?? matches[0];
}

export async function findTag(dixa: RequestDixa, name: string): Promise<DixaTag | undefined> {
  const cached = byName(await dixa.loaders.tags.load('all'), name);
  if (cached) return cached;
  dixa.changes.directoryChanged('tags');
  return byName(await dixa.loaders.tags.load('all'), name);
}

export async function requireTag(dixa: RequestDixa, name: string, argument = 'tag'): Promise<DixaTag> {
  const tag = await findTag(dixa, name);
  if (!tag) throw new NotFoundError(`Dixa has no tag named ${JSON.stringify(name)} (${argument}). Create it in Dixa first.`, { argument });
  return tag;
}

export function assertActive(tag: DixaTag, argument = 'tag'): DixaTag {
  if (tag.state === 'Inactive') {
    throw new BadUserInputError(`The Dixa tag ${JSON.stringify(tag.name)} is deactivated, and Dixa applies only active tags. Activate it in Dixa or use another tag.`, {
      argument,
    });
  }
  return tag;
}

/** The active tag with this name, created (POST /tags, idempotent by name) when there is none. */
export async function ensureTag(dixa: RequestDixa, name: string, argument: string): Promise<DixaTag> {
  const existing = byName(await dixa.loaders.tags.load('all'), name);
  if (existing && existing.state !== 'Inactive') return existing;
  const tag = await dixa.client.createTag(name);
  dixa.changes.directoryChanged('tags');
  return assertActive(tag, argument);
}

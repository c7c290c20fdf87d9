// Access to ../shared (the contract, Dixa's spec and fixtures). It sits beside the project
// in CI; in a user's clone it may be absent, and the tests that need it are skipped.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const hasShared = existsSync(`${SHARED_DIR}contract/schema.graphql`);

export function readShared(path: string): string {
  return readFileSync(`${SHARED_DIR}${path}`, 'utf8');
}

export function fixture<T = any>(name: string): T {
  return JSON.parse(readShared(`dixa/fixtures/${name}`)) as T;
}

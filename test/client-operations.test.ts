// Applied's operations (client/*.graphql): each validates against the gateway's schema, and
// the generated manifest holds exactly them under the sha256 of their text.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { NoUnusedFragmentsRule, parse, specifiedRules, validate, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildGatewaySchema } from '../src/schema.js';

const CLIENT_DIR = new URL('../client/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, CLIENT_DIR), 'utf8');
const graphqlFiles = (dir: string) => readdirSync(new URL(dir, CLIENT_DIR)).filter((f) => f.endsWith('.graphql')).map((f) => `${dir}${f}`);

// Each file is checked with every fragment of client/ beside it, unused ones allowed.
const rules = specifiedRules.filter((rule) => rule !== NoUnusedFragmentsRule);

/** All fragments of client/ plus one file's operations. */
function documentOf(file: string) {
  return parse(`${read('fragments.graphql')}\n${read(file)}`);
}

const operationsIn = (file: string) =>
  parse(read(file)).definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition').map((d) => d.name?.value);

const OPERATIONS = [
  'AddNote',
  'AssignConversation',
  'CloseConversation',
  'ConfigureWebhooks',
  'ConnectionCheck',
  'ConversationDetail',
  'CustomerHistory',
  'Escalate',
  'Inbox',
  'ReopenConversation',
  'Reply',
  'SetFollowUp',
  'SyncEvents',
  'SyncEventsLive',
  'SyncStatus',
  'TagConversation',
  'TransferConversation',
  'UntagConversation',
];

describe('client operations', () => {
  const files = graphqlFiles('').filter((f) => f !== 'fragments.graphql');

  it('are the operations Applied uses, each named once', () => {
    const names = files.flatMap(operationsIn);
    expect([...names].sort()).toEqual(OPERATIONS);
  });

  it("validate against the gateway's schema", () => {
    const schema = buildGatewaySchema();
    for (const file of files) expect(validate(schema, documentOf(file), rules).map((e) => `${file}: ${e.message}`)).toEqual([]);
  });

  it('are in the generated manifest, each under the sha256 of its document (codegen --check keeps it fresh)', () => {
    const manifest = JSON.parse(read('generated/persisted-documents.json')) as Record<string, string>;
    const named = Object.values(manifest).map((text) => {
      const operation = parse(text).definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
      return operation?.name?.value;
    });
    expect(named.sort()).toEqual(OPERATIONS);
    for (const [id, text] of Object.entries(manifest)) expect(id).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
  });
});

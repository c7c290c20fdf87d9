// Trusted documents (GRAPHQL_TRUSTED_DOCUMENTS): the gateway runs only the operations in a
// manifest, sent by id, and refuses every other document before anything runs. A Dixa token
// cannot be scoped, so this is the least privilege a deployment can give its callers: they
// can do what Applied's own operations (client/) do, and nothing else.
//
// Ids come as `documentId` (GraphQL over HTTP's persisted documents; `sha256:<hex>` or bare
// hex) or Apollo's `extensions.persistedQuery.sha256Hash`, in a POST body, in GET's search
// parameters, or in a graphql-ws subscribe message (with an empty `query`). The manifest is
// either codegen's client preset output (`{ "<id>": "<document>" }`) or Apollo's persisted
// query manifest (`{ format: "apollo-persisted-query-manifest", operations: [{ id, body }] }`).
import { readFileSync } from 'node:fs';
import { GraphQLError, parse, validate, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { HttpError } from '../errors.js';

export const TrustedDocumentCode = {
  /** The request carried a document's text (or nothing) instead of a trusted document's id. */
  ID_REQUIRED: 'PERSISTED_QUERY_ID_REQUIRED',
  /** The id is not in the manifest, or the text sent with it is not that document. */
  NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
} as const;
export type TrustedDocumentCode = (typeof TrustedDocumentCode)[keyof typeof TrustedDocumentCode];

/** A request for a document the manifest does not hold: HTTP 400 with a code saying which case. */
export class UntrustedDocumentError extends HttpError {
  constructor(
    readonly trustedCode: TrustedDocumentCode,
    message: string,
  ) {
    super(400, message, trustedCode);
  }
}

/** The manifest cannot be used: unreadable, not a manifest, or a document that does not validate. */
export class TrustedDocumentsManifestError extends Error {
  constructor(message: string) {
    super(`GRAPHQL_TRUSTED_DOCUMENTS: ${message}`);
    this.name = 'TrustedDocumentsManifestError';
  }
}

const ID_REQUIRED_MESSAGE =
  'This gateway runs only trusted documents (GRAPHQL_TRUSTED_DOCUMENTS). Send the operation\'s id as "documentId" ' +
  '(or extensions.persistedQuery.sha256Hash) instead of its text; the ids are in the manifest that `npm run codegen` writes ' +
  '(client/generated/persisted-documents.json).';

/** `sha256:ABC…` and `abc…` name the same document. */
function normalizeId(id: string): string {
  return id.trim().replace(/^sha256:/i, '').toLowerCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entriesOf(manifest: unknown): [string, string][] {
  if (isRecord(manifest) && manifest.format === 'apollo-persisted-query-manifest') {
    if (!Array.isArray(manifest.operations)) throw new TrustedDocumentsManifestError('an Apollo manifest needs an "operations" array.');
    return manifest.operations.map((operation, index) => {
      if (!isRecord(operation) || typeof operation.id !== 'string' || typeof operation.body !== 'string') {
        throw new TrustedDocumentsManifestError(`operations[${index}] needs a string "id" and "body".`);
      }
      return [operation.id, operation.body];
    });
  }
  if (!isRecord(manifest)) throw new TrustedDocumentsManifestError('the manifest must be a JSON object of id -> document.');
  return Object.entries(manifest).map(([id, document]) => {
    if (typeof document !== 'string') throw new TrustedDocumentsManifestError(`the document of id "${id}" is not a string.`);
    return [id, document];
  });
}

interface TrustedDocument {
  text: string;
  document: DocumentNode;
}

export interface ResolvedHttpRequest {
  body: unknown;
  search: string;
}

export class TrustedDocuments {
  private constructor(
    private readonly documents: ReadonlyMap<string, TrustedDocument>,
  ) {}

  /** Reads and checks the manifest: every document must parse and validate against the schema. */
  static load(path: string, schema: GraphQLSchema): TrustedDocuments {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new TrustedDocumentsManifestError(`cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? 'error'}); point it at the manifest \`npm run codegen\` writes, client/generated/persisted-documents.json.`);
    }
    let manifest: unknown;
    try {
      manifest = JSON.parse(text);
    } catch {
      throw new TrustedDocumentsManifestError(`"${path}" is not valid JSON.`);
    }
    return TrustedDocuments.fromManifest(manifest, schema);
  }

  static fromManifest(manifest: unknown, schema: GraphQLSchema): TrustedDocuments {
    const documents = new Map<string, TrustedDocument>();
    for (const [id, text] of entriesOf(manifest)) {
      let document: DocumentNode;
      try {
        document = parse(text);
      } catch (error) {
        throw new TrustedDocumentsManifestError(`the document of id "${id}" does not parse: ${(error as Error).message}`);
      }
      const [problem] = validate(schema, document);
      if (problem) throw new TrustedDocumentsManifestError(`the document of id "${id}" does not validate against this gateway's schema: ${problem.message} Regenerate the manifest.`);
      documents.set(normalizeId(id), { text, document });
    }
    if (documents.size === 0) throw new TrustedDocumentsManifestError('the manifest holds no document.');
    return new TrustedDocuments(documents);
  }

  get size(): number {
    return this.documents.size;
  }

  /** The document text for an id, as the manifest holds it. */
  textOf(id: string): string | undefined {
    return this.documents.get(normalizeId(id))?.text;
  }

  /**
   * Turns a POST body or GET search string that names a trusted document into one that
   * carries its text (and no persistedQuery extension, so Apollo's own APQ cache never
   * registers anything). Anything else is an UntrustedDocumentError.
   */
  resolveHttp(method: string, body: unknown, search: string): ResolvedHttpRequest {
    if (method === 'POST') {
      if (!isRecord(body)) {
        if (body === undefined) return { body, search }; // Apollo answers an empty POST itself.
        throw new UntrustedDocumentError(TrustedDocumentCode.ID_REQUIRED, ID_REQUIRED_MESSAGE);
      }
      const extensions = isRecord(body.extensions) ? body.extensions : undefined;
      const text = this.documentFor(body.documentId, extensions, body.query).text;
      const { documentId: _id, extensions: _extensions, ...rest } = body;
      return { body: { ...rest, query: text, ...withoutPersistedQuery(extensions) }, search };
    }
    const params = new URLSearchParams(search);
    let extensions: Record<string, unknown> | undefined;
    const rawExtensions = params.get('extensions');
    if (rawExtensions !== null) {
      try {
        const parsed: unknown = JSON.parse(rawExtensions);
        extensions = isRecord(parsed) ? parsed : undefined;
      } catch {
        throw new HttpError(400, 'The "extensions" search parameter is not valid JSON.', 'BAD_REQUEST');
      }
    }
    const text = this.documentFor(params.get('documentId') ?? undefined, extensions, params.get('query') ?? undefined).text;
    params.delete('documentId');
    params.set('query', text);
    const kept = withoutPersistedQuery(extensions).extensions;
    if (kept) params.set('extensions', JSON.stringify(kept));
    else params.delete('extensions');
    return { body, search: `?${params.toString()}` };
  }

  /**
   * graphql-ws's onSubscribe: the execution arguments of the trusted document a subscribe
   * message names (its `query` empty or that document's text), or the errors to send back.
   */
  subscriptionArgs(schema: GraphQLSchema, payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null; extensions?: Record<string, unknown> | null }): ExecutionArgs | readonly GraphQLError[] {
    const withId = payload as typeof payload & { documentId?: unknown };
    let trusted: TrustedDocument;
    try {
      trusted = this.documentFor(withId.documentId, payload.extensions ?? undefined, payload.query);
    } catch (error) {
      if (error instanceof UntrustedDocumentError) return [new GraphQLError(error.message, { extensions: { code: error.trustedCode } })];
      throw error;
    }
    return {
      schema,
      document: trusted.document,
      ...(payload.operationName ? { operationName: payload.operationName } : {}),
      ...(payload.variables ? { variableValues: payload.variables } : {}),
    };
  }

  private idOf(documentId: unknown, extensions: Record<string, unknown> | undefined): string | undefined {
    if (typeof documentId === 'string' && documentId.trim() !== '') return documentId;
    const persisted = extensions?.persistedQuery;
    if (isRecord(persisted) && typeof persisted.sha256Hash === 'string' && persisted.sha256Hash !== '') return persisted.sha256Hash;
    return undefined;
  }

  private documentFor(documentId: unknown, extensions: Record<string, unknown> | undefined, query: unknown): TrustedDocument {
    const id = this.idOf(documentId, extensions);
    if (id === undefined) throw new UntrustedDocumentError(TrustedDocumentCode.ID_REQUIRED, ID_REQUIRED_MESSAGE);
    const known = this.documents.get(normalizeId(id));
    if (!known) {
      throw new UntrustedDocumentError(
        TrustedDocumentCode.NOT_IN_LIST,
        `No trusted document has the id "${id.slice(0, 80)}". Use an id from the gateway's manifest (GRAPHQL_TRUSTED_DOCUMENTS); after changing client/*.graphql, run \`npm run codegen\` and deploy the new manifest.`,
      );
    }
    // Text sent along with an id must be that document (Apollo's link may send both).
    if (typeof query === 'string' && query.trim() !== '' && !sameDocument(query, known.document)) {
      throw new UntrustedDocumentError(TrustedDocumentCode.NOT_IN_LIST, `The query text sent with id "${id.slice(0, 80)}" is not that trusted document. Send the id alone.`);
    }
    return known;
  }
}

function withoutPersistedQuery(extensions: Record<string, unknown> | undefined): { extensions?: Record<string, unknown> } {
  if (!extensions) return {};
  const { persistedQuery: _persisted, ...rest } = extensions;
  return Object.keys(rest).length > 0 ? { extensions: rest } : {};
}

/** Same operations and fragments, whatever the whitespace and field order of the sender's printer. */
function sameDocument(text: string, trusted: DocumentNode): boolean {
  try {
    return canonical(parse(text)) === canonical(trusted);
  } catch {
    return false;
  }
}

function canonical(document: DocumentNode): string {
  return JSON.stringify(document, (key, value: unknown) => (key === 'loc' ? undefined : value));
}

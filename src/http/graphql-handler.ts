// Apollo Server on Node's own http server: builds Apollo's HTTP request from a Node
// request, and writes its answer back. (Apollo's documented integration point.)
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type ContextThunk } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import { graphQLRequestProblem } from '../graphql/document-guard.js';
import { HttpError } from '../errors.js';
import type { TrustedDocuments } from '../graphql/trusted-documents.js';
import { readJsonBody } from './read-body.js';

export const GRAPHQL_BODY_LIMIT_BYTES = 1024 * 1024;

export async function handleGraphQL(
  req: IncomingMessage,
  res: ServerResponse,
  apollo: ApolloServer<GatewayContext>,
  context: ContextThunk<GatewayContext>,
  bodyLimitBytes = GRAPHQL_BODY_LIMIT_BYTES,
  /** Set: only the manifest's documents run (an UntrustedDocumentError, 400, otherwise). */
  trustedDocuments?: TrustedDocuments,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const received = method === 'POST' ? await readJsonBody(req, bodyLimitBytes) : undefined;
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const searchReceived = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
  const { body, search } = trustedDocuments
    ? trustedDocuments.resolveHttp(method, received, searchReceived)
    : { body: received, search: searchReceived };
  // Refused before Apollo parses or validates it: see document-guard.ts.
  const params = new URLSearchParams(search);
  const problem = graphQLRequestProblem(
    typeof body === 'object' && body !== null ? (body as { query?: unknown; variables?: unknown }) : { query: params.get('query') ?? undefined, variables: params.get('variables') ?? undefined },
  );
  if (problem) throw new HttpError(400, problem, 'QUERY_TOO_COMPLEX');
  const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: { method, headers, search, body }, context });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

// The engine's own limit: the gateway's schema (schema/*.graphql) executed by bare
// graphql-js behind node:http, over the bench's seeded world held in memory. No Apollo, no
// loaders, no cache, no Dixa, no auth or operation limits. The resolvers are the gateway's
// own for scalar fields and mapping (message text, timestamps, vocabulary); only the
// relations read the in-memory world directly, and search runs the fake Dixa's own
// search over it (so the page holds the same 25 conversations). Parsed and validated
// documents are kept per query text, as Apollo does. The bench compares the gateway's warm
// inbox throughput with this server's.
// Prints `READY {"url": ...}` when it listens. PORT (default 0) and HOST may be set.
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  buildSchema,
  execute,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLUnionType,
  parse,
  validate,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { encodeCursor } from '../src/datasources/dixa/page-cursor.js';
import type { DixaConversation, DixaConversationMessage, DixaTag } from '../src/datasources/dixa/types.js';
import { seedWorld, type FakeWorld } from '../src/demo/fake-dixa/index.js';
import { searchConversations } from '../src/demo/fake-dixa/search.js';
import type { ConversationFilter } from '../src/generated/graphql.js';
import { buildSearchRequest } from '../src/mapping/search-request.js';
import { Conversation } from '../src/resolvers/conversation.js';
import { Customer } from '../src/resolvers/customer.js';
import { Agent, Queue, Tag } from '../src/resolvers/directory.js';
import { Author, Message, Note } from '../src/resolvers/message.js';
import { DateTime, JSON as JSONScalar } from '../src/resolvers/scalars.js';
import { WORLD } from './settings.js';

const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));

type AnyResolver = GraphQLFieldResolver<any, any, any>;
type ResolverMap = Record<string, Record<string, unknown>>;

function loadSchema(): GraphQLSchema {
  const sdl = readdirSync(SCHEMA_DIR)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(`${SCHEMA_DIR}${name}`, 'utf8'))
    .join('\n');
  return buildSchema(sdl);
}

/** Puts resolvers on a schema built from SDL: plain graphql-js, what makeExecutableSchema does. */
function attach(schema: GraphQLSchema, map: ResolverMap, scalars: Record<string, GraphQLScalarType>): void {
  for (const [typeName, fields] of Object.entries(map)) {
    const type = schema.getType(typeName);
    if (type instanceof GraphQLUnionType) {
      type.resolveType = fields.__resolveType as GraphQLUnionType['resolveType'];
    } else if (type instanceof GraphQLObjectType) {
      const typeFields = type.getFields();
      for (const [fieldName, resolve] of Object.entries(fields)) {
        const field = typeFields[fieldName];
        if (field && typeof resolve === 'function') field.resolve = resolve as AnyResolver;
      }
    }
  }
  for (const [name, impl] of Object.entries(scalars)) {
    const type = schema.getType(name);
    if (type instanceof GraphQLScalarType) {
      type.serialize = impl.serialize;
      type.parseValue = impl.parseValue;
      type.parseLiteral = impl.parseLiteral;
    }
  }
}

function resolversOver(world: FakeWorld): ResolverMap {
  const lower = (id: string) => id.toLowerCase();
  const agentsById = new Map([...world.agents.values()].map((a) => [lower(a.id), a]));
  const usersById = new Map([...world.endUsers.values()].map((u) => [lower(u.id), u]));
  const queuesById = new Map([...world.queues.values()].map((q) => [lower(q.id), q]));
  const tagsById = new Map([...world.tags.values()].map((t) => [lower(t.id), t]));

  return {
    Query: {
      conversation: (_root: unknown, args: { id: string }) => world.conversations.get(Number(args.id)) ?? null,
      searchConversations: (_root: unknown, args: { text?: string | null; filter?: ConversationFilter | null; first?: number | null }) => {
        const first = args.first ?? 20;
        const hits = searchConversations(world, buildSearchRequest(args.text, args.filter));
        const page = hits.slice(0, first);
        const edges = page.flatMap((hit, index) => {
          const node = world.conversations.get(hit.id);
          return node ? [{ node, cursor: encodeCursor({ pageLimit: first, index }) }] : [];
        });
        return { edges, nodes: edges.map((e) => e.node), pageInfo: { hasNextPage: hits.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
      },
    },
    Conversation: {
      ...Conversation,
      customer: (c: DixaConversation) => (c.requesterId ? (usersById.get(lower(c.requesterId)) ?? null) : null),
      assignee: (c: DixaConversation) => (c.assignment?.agentId ? (agentsById.get(lower(c.assignment.agentId)) ?? null) : null),
      queue: (c: DixaConversation) => (c.queue?.id ? (queuesById.get(lower(c.queue.id)) ?? { id: c.queue.id }) : null),
      messages: (c: DixaConversation): DixaConversationMessage[] => (world.messages.get(c.id) ?? []).map((m) => ({ ...m, conversationId: c.id })),
      notes: (c: DixaConversation) => world.notes.get(c.id) ?? [],
      tags: (c: DixaConversation): DixaTag[] => (world.conversationTags.get(c.id) ?? []).flatMap((id) => tagsById.get(lower(id)) ?? []),
      customAttributes: (c: DixaConversation) => c.customAttributes ?? [],
      replyable: (c: DixaConversation) => ['Email', 'WidgetChat'].includes(c.channel),
    },
    Message: {
      ...Message,
      author: (m: DixaConversationMessage) => {
        if (!m.authorId) return null;
        const id = lower(m.authorId);
        return usersById.get(id) ?? agentsById.get(id) ?? null;
      },
    },
    Note: { ...Note, author: (n: { authorId?: string }) => (n.authorId ? (agentsById.get(lower(n.authorId)) ?? null) : null) },
    Author: Author as unknown as Record<string, unknown>,
    Customer: Customer as unknown as Record<string, unknown>,
    Agent: Agent as unknown as Record<string, unknown>,
    Queue: Queue as unknown as Record<string, unknown>,
    Tag: Tag as unknown as Record<string, unknown>,
  };
}

async function main(): Promise<void> {
  const world = seedWorld(WORLD);
  const schema = loadSchema();
  attach(schema, resolversOver(world), { DateTime, JSON: JSONScalar });
  const documents = new Map<string, DocumentNode | readonly Error[]>();
  const context = { config: { dixa: { access: 'read-write', replyChannels: ['EMAIL', 'WIDGET_CHAT'] } } };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        let status = 200;
        let result: unknown;
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables?: Record<string, unknown> };
          let document = documents.get(body.query);
          if (!document) {
            const parsed = parse(body.query);
            const errors = validate(schema, parsed);
            document = errors.length > 0 ? errors : parsed;
            documents.set(body.query, document);
          }
          if (Array.isArray(document)) {
            status = 400;
            result = { errors: document };
          } else {
            result = await execute({ schema, document: document as DocumentNode, variableValues: body.variables ?? {}, contextValue: context });
          }
        } catch (error) {
          status = 400;
          result = { errors: [{ message: String(error) }] };
        }
        const payload = JSON.stringify(result);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }).end(payload);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', resolve));
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`engine-limit-server failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

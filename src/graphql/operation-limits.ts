// Operation limits, enforced after parsing and before anything runs: depth, aliases,
// root fields, and an estimated cost in Dixa calls. A rejected operation gets
// QUERY_TOO_COMPLEX with the limit it broke, and makes no Dixa call.
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, validate, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { getComplexity } from 'graphql-query-complexity';
import { LRUCache } from 'lru-cache';
import { ErrorCode } from '../errors.js';
import { dixaCallEstimator } from './dixa-cost.js';

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  /** Estimated Dixa calls one operation may need on a cold cache. */
  maxCost: number;
}

function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, http: { status: 400 } } });
}

/** Root fields after expanding fragments, so a spread cannot hide them. */
function countRootFields(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!selection.name.value.startsWith('__')) count++;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countRootFields(selection.selectionSet, fragments, seen);
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (fragment && !seen.has(name)) {
        seen.add(name);
        count += countRootFields(fragment.selectionSet, fragments, seen);
      }
    }
  }
  return count;
}

/** The depth and alias rules of graphql-armor, run on their own so their verdict keeps our code. */
function structuralViolations(schema: GraphQLSchema, document: DocumentNode, limits: OperationLimits): string[] {
  const rejected: string[] = [];
  const onReject = [(_: unknown, error: GraphQLError) => void rejected.push(error.message.replace(/^Syntax Error: /, ''))];
  validate(schema, document, [
    maxDepthRule({ n: limits.maxDepth, propagateOnRejection: false, onReject, flattenFragments: true }),
    maxAliasesRule({ n: limits.maxAliases, propagateOnRejection: false, onReject }),
  ]);
  return rejected;
}

/** A verdict: undefined when the operation is within the limit, else the error message. */
type Verdict = string | undefined;

export function operationLimitsPlugin(limits: OperationLimits): ApolloServerPlugin {
  // Apollo hands back the same DocumentNode for a repeated query, so the shape checks run
  // once per document and the cost once per document and variables (it reads `first`).
  const shapeVerdicts = new WeakMap<DocumentNode, Verdict>();
  const costVerdicts = new WeakMap<DocumentNode, LRUCache<string, { verdict: string }>>();

  const shapeVerdict = (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Verdict => {
    if (shapeVerdicts.has(document)) return shapeVerdicts.get(document);
    const fragments = new Map(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
    );
    const roots = countRootFields(operation.selectionSet, fragments);
    let verdict: Verdict;
    if (roots > limits.maxRootFields) {
      verdict = `The operation has ${roots} root fields; the limit is ${limits.maxRootFields}. Split it into several operations.`;
    } else {
      const [violation] = structuralViolations(schema, document, limits);
      if (violation) verdict = `${violation} Flatten the query or split it.`;
    }
    shapeVerdicts.set(document, verdict);
    return verdict;
  };

  const costVerdict = (schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): Verdict => {
    let byVariables = costVerdicts.get(document);
    if (!byVariables) {
      byVariables = new LRUCache({ max: 100 });
      costVerdicts.set(document, byVariables);
    }
    const key = `${operationName ?? ''}:${JSON.stringify(variables)}`;
    const known = byVariables.get(key);
    if (known) return known.verdict || undefined;
    const cost = getComplexity({ schema, query: document, variables, operationName, estimators: [dixaCallEstimator] });
    const verdict =
      cost > limits.maxCost
        ? `The operation could need about ${cost} Dixa calls; the limit is ${limits.maxCost}. Ask for fewer items (first), fewer nested lists, or split it.`
        : '';
    byVariables.set(key, { verdict });
    return verdict || undefined;
  };

  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          // No operation by that name: Apollo answers 400 for it right after this hook.
          if (!operation) return;
          const verdict =
            shapeVerdict(schema, document, operation as OperationDefinitionNode) ??
            costVerdict(schema, document, request.operationName ?? undefined, request.variables ?? {});
          if (verdict) throw tooComplex(verdict);
        },
      };
    },
  };
}

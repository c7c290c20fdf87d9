// Operation limits, enforced after parsing and before anything runs: depth, aliases,
// root fields, and an estimated cost in Dixa calls. A rejected operation gets
// QUERY_TOO_COMPLEX with the limit it broke, and makes no Dixa call.
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, getVariableValues, validate, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
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

/** A document whose operation cannot be chosen: several without operationName, or an unknown name. */
function badOperation(document: DocumentNode, operationName: string | undefined): GraphQLError {
  const names = document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((d) => d.name?.value ?? '(anonymous)');
  const message =
    operationName === undefined
      ? `The document has ${names.length} operations (${names.join(', ')}); send operationName to say which one to run.`
      : `operationName ${JSON.stringify(operationName)} names no operation in the document; it has ${names.join(', ') || 'none'}.`;
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, argument: 'operationName', http: { status: 400 } } });
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
    // __typename aliases cost nothing upstream but are work all the same: they count too.
    maxAliasesRule({ n: limits.maxAliases, allowList: [], propagateOnRejection: false, onReject }),
  ]);
  return rejected;
}

/** What is wrong with an operation's variables (a bad value, or the cost they make). */
interface VariablesError {
  code: ErrorCode;
  message: string;
}

/** A verdict: undefined when the operation is within the limit, else the error message. */
type Verdict = string | undefined;

/**
 * Judges one operation against the limits: undefined when it may run, else the error to
 * answer with. Used by the Apollo plugin (HTTP) and by graphql-ws (subscriptions) alike.
 */
export type OperationCheck = (
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode | null | undefined,
  operationName: string | undefined,
  variables: Record<string, unknown> | undefined,
) => GraphQLError | undefined;

export function createOperationCheck(limits: OperationLimits): OperationCheck {
  // A repeated query arrives as the same DocumentNode (Apollo's cache, the trusted-documents
  // manifest), so the shape checks run once per document, and the variables' check and the
  // cost (it reads `first`) once per document and variables.
  const shapeVerdicts = new WeakMap<DocumentNode, Verdict>();
  const variableVerdicts = new WeakMap<DocumentNode, LRUCache<string, { error: VariablesError | undefined }>>();
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

  /**
   * Variables are checked before the cost is estimated with them: a bad value is the
   * caller's mistake to fix (BAD_USER_INPUT, as Apollo says it), not a complex operation.
   */
  const judgeVariables = (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, operationName: string | undefined, raw: Record<string, unknown>): VariablesError | undefined => {
    const variables = getVariableValues(schema, operation.variableDefinitions ?? [], raw, { maxErrors: 1 });
    if (variables.errors) return { code: ErrorCode.BAD_USER_INPUT, message: variables.errors[0]!.message };
    let cost: number;
    try {
      cost = getComplexity({ schema, query: document, variables: variables.coerced, operationName, estimators: [dixaCallEstimator] });
    } catch {
      // The estimator throws on shapes it cannot walk; what cannot be estimated is not run.
      return { code: ErrorCode.QUERY_TOO_COMPLEX, message: 'The operation\'s cost could not be estimated. Simplify it: fewer fragments, aliases or nested lists.' };
    }
    if (cost <= limits.maxCost) return undefined;
    return {
      code: ErrorCode.QUERY_TOO_COMPLEX,
      message: `The operation could need about ${cost} Dixa calls; the limit is ${limits.maxCost}. Ask for fewer items (first), fewer nested lists, or split it.`,
    };
  };

  const variablesVerdict = (schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, operationName: string | undefined, raw: Record<string, unknown>): GraphQLError | undefined => {
    let byVariables = variableVerdicts.get(document);
    if (!byVariables) {
      byVariables = new LRUCache({ max: 100 });
      variableVerdicts.set(document, byVariables);
    }
    const key = `${operationName ?? ''}:${JSON.stringify(raw)}`;
    let known = byVariables.get(key);
    if (!known) {
      known = { error: judgeVariables(schema, document, operation, operationName, raw) };
      byVariables.set(key, known);
    }
    // A new error per request: answers must not share an object something downstream may annotate.
    return known.error && new GraphQLError(known.error.message, { extensions: { code: known.error.code, http: { status: 400 } } });
  };

  return (schema, document, operation, operationName, rawVariables) => {
    if (!operation) return badOperation(document, operationName);
    const shape = shapeVerdict(schema, document, operation);
    if (shape) return tooComplex(shape);
    return variablesVerdict(schema, document, operation, operationName, rawVariables ?? {});
  };
}

export function operationLimitsPlugin(check: OperationCheck): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) at /graphql, not over HTTP POST or GET.', {
              extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } },
            });
          }
          const error = check(schema, document, operation, request.operationName ?? undefined, request.variables ?? undefined);
          if (error) throw error;
        },
      };
    },
  };
}

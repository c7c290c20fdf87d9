// Shape checks on a GraphQL request's raw text and variables, made before anything parses,
// validates or estimates it: graphql-js parses, validates fragment cycles and stringifies
// recursively, so a document nested a few thousand levels deep, or a long chain of
// fragments, overflows the stack there. These scans are iterative and linear; what they
// refuse no legitimate operation of this schema comes near.

/** Braces and brackets open at once in the query text (a depth-10 query with fragments needs ~30). */
export const MAX_DOCUMENT_NESTING = 100;
/** Fragment definitions in one document. */
export const MAX_FRAGMENTS = 100;
/** Objects and arrays nested in the variables (the deepest input type needs 3). */
export const MAX_VARIABLES_NESTING = 32;

/** What is wrong with the query text, or undefined. Skips strings, block strings and comments. */
export function queryTextProblem(query: string): string | undefined {
  let depth = 0;
  let maxDepth = 0;
  let fragments = 0;
  let i = 0;
  const n = query.length;
  while (i < n) {
    const c = query[i];
    if (c === '#') {
      while (i < n && query[i] !== '\n' && query[i] !== '\r') i++;
    } else if (c === '"') {
      if (query.startsWith('"""', i)) {
        i += 3;
        while (i < n && !query.startsWith('"""', i)) i += query[i] === '\\' && query.startsWith('"""', i + 1) ? 4 : 1;
        i += 3;
        continue;
      }
      i++;
      while (i < n && query[i] !== '"' && query[i] !== '\n') i += query[i] === '\\' ? 2 : 1;
    } else if (c === '{' || c === '[' || c === '(') {
      depth++;
      if (depth > maxDepth) maxDepth = depth;
    } else if (c === '}' || c === ']' || c === ')') {
      depth--;
    } else if (c === 'f' && query.startsWith('fragment', i) && !/[\w]/.test(query[i - 1] ?? ' ') && !/[\w]/.test(query[i + 8] ?? ' ')) {
      fragments++;
      i += 8;
      continue;
    }
    i++;
  }
  if (maxDepth > MAX_DOCUMENT_NESTING) {
    return `The operation nests ${maxDepth} levels of braces; the limit is ${MAX_DOCUMENT_NESTING}. Flatten the query.`;
  }
  if (fragments > MAX_FRAGMENTS) {
    return `The document defines ${fragments} fragments; the limit is ${MAX_FRAGMENTS}. Inline some or split the operation.`;
  }
  return undefined;
}

/** How deep a JSON value nests, counted without recursion, stopping once past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    const here = depth + 1;
    if (here > max) max = here;
    if (max > limit) return max;
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push({ value: child, depth: here });
  }
  return max;
}

export function variablesProblem(variables: unknown): string | undefined {
  // The variables object itself is the first level.
  const depth = nestingDepth(variables, MAX_VARIABLES_NESTING + 1);
  if (depth > MAX_VARIABLES_NESTING + 1) {
    return `The variables nest more than ${MAX_VARIABLES_NESTING} levels deep; no argument of this API needs that.`;
  }
  return undefined;
}

/** The problem with a GraphQL request's query and variables (POST body or GET parameters), or undefined. */
export function graphQLRequestProblem(request: { query?: unknown; variables?: unknown }): string | undefined {
  if (typeof request.query === 'string') {
    const problem = queryTextProblem(request.query);
    if (problem) return problem;
  }
  let variables = request.variables;
  if (typeof variables === 'string') {
    // GET passes them as JSON text; a malformed text is Apollo's to report.
    try {
      variables = JSON.parse(variables);
    } catch {
      return undefined;
    }
  }
  return variables === undefined ? undefined : variablesProblem(variables);
}

// JSON shapes for contract tests: the keys and value kinds of one or more JSON values,
// recursively, and a comparison of a fixture's shape with an answer's.
//
// Rules (test/fake-dixa-fixtures.test.ts relies on them):
// - Every key the fixture has must be in the answer, with the fixture's value kind(s).
// - The answer may carry keys the fixture lacks (optional fields the fixture leaves out).
// - The answer may not send a kind the fixture never shows (a number where the fixture has a
//   string), except on paths listed in `unions` (e.g. a custom attribute's string | string[]).
// - A null in the fixture says nothing about the kind; a null in the answer where the fixture
//   has a value is reported (Dixa's schemas declare optional fields, not nullable ones) unless
//   the path is listed in `nullable`.
// - Objects carrying `_type` are compared per `_type` value (a union member with its fields);
//   every `_type` in the fixture must appear in the answer.
// - Arrays are compared by the merged shape of all their items; several answers can be merged
//   into one shape so that "some answer has this optional key" is what is checked.
// - Objects whose keys are data (a map such as `highlights`) are named in `maps`: their values
//   are merged under the key `*`.
// - Keys named in `presentWhenSent` (e.g. a message's `externalId`) are checked for their kind
//   when the answer has them, but not required: they appear only when a client sent one.

export type Kind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

export interface Shape {
  kinds: Set<Kind>;
  /** By `_type` value ('' when the object has none), then by key. */
  objects: Map<string, Map<string, Shape>>;
  items: Shape | undefined;
}

export interface ShapeRules {
  /** Paths whose object keys are data, e.g. /\.highlights$/. */
  maps?: readonly RegExp[];
  /** Paths where the answer may send a kind the fixture does not show. */
  unions?: readonly RegExp[];
  /** Paths where the answer may send null. */
  nullable?: readonly RegExp[];
  /** Paths the answer need not have (only there when a client sent the value). */
  presentWhenSent?: readonly RegExp[];
}

const emptyShape = (): Shape => ({ kinds: new Set(), objects: new Map(), items: undefined });

function kindOf(value: unknown): Kind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const kind = typeof value;
  if (kind === 'string' || kind === 'number' || kind === 'boolean' || kind === 'object') return kind;
  throw new Error(`not JSON: ${kind}`);
}

/** Adds `value` to `shape` (merging), at `path` (used to spot maps). */
export function addToShape(shape: Shape, value: unknown, rules: ShapeRules = {}, path = '$'): Shape {
  const kind = kindOf(value);
  shape.kinds.add(kind);
  if (kind === 'array') {
    shape.items ??= emptyShape();
    for (const item of value as unknown[]) addToShape(shape.items, item, rules, `${path}[]`);
  } else if (kind === 'object') {
    const record = value as Record<string, unknown>;
    const isMap = rules.maps?.some((re) => re.test(path)) ?? false;
    const variant = !isMap && typeof record._type === 'string' ? record._type : '';
    let fields = shape.objects.get(variant);
    if (!fields) shape.objects.set(variant, (fields = new Map()));
    for (const [key, child] of Object.entries(record)) {
      const name = isMap ? '*' : key;
      let sub = fields.get(name);
      if (!sub) fields.set(name, (sub = emptyShape()));
      addToShape(sub, child, rules, `${path}.${name}`);
    }
  }
  return shape;
}

export function shapeOf(values: readonly unknown[], rules: ShapeRules = {}): Shape {
  const shape = emptyShape();
  for (const value of values) addToShape(shape, value, rules);
  return shape;
}

/** What in `actual` breaks the rules above against `expected`; empty when it conforms. */
export function shapeProblems(expected: Shape, actual: Shape, rules: ShapeRules = {}, path = '$'): string[] {
  const problems: string[] = [];
  const matches = (list: readonly RegExp[] | undefined) => list?.some((re) => re.test(path)) ?? false;
  const expectedKinds = [...expected.kinds].filter((k) => k !== 'null');
  for (const kind of expectedKinds) {
    if (!actual.kinds.has(kind)) problems.push(`${path}: fixture has ${kind}, fake sends ${[...actual.kinds].join('|') || 'nothing'}`);
  }
  for (const kind of actual.kinds) {
    if (expected.kinds.has(kind) || expectedKinds.length === 0) continue;
    if (kind === 'null' ? matches(rules.nullable) : matches(rules.unions)) continue;
    problems.push(`${path}: fake sends ${kind}, fixture has ${expectedKinds.join('|')}`);
  }
  for (const [variant, fields] of expected.objects) {
    const actualFields = actual.objects.get(variant);
    const at = variant === '' ? path : `${path}<${variant}>`;
    if (!actualFields) {
      if (actual.kinds.has('object')) problems.push(`${at}: fake never sends this _type`);
      continue;
    }
    for (const [key, sub] of fields) {
      const actualSub = actualFields.get(key);
      if (!actualSub) {
        const optional = rules.presentWhenSent?.some((re) => re.test(`${path}.${key}`)) ?? false;
        if (!optional) problems.push(`${at}.${key}: missing in the fake's answers`);
      }
      else problems.push(...shapeProblems(sub, actualSub, rules, `${path}.${key}`));
    }
  }
  if (expected.items?.kinds.size) {
    if (!actual.items?.kinds.size) problems.push(`${path}[]: fixture has items, the fake's arrays are always empty`);
    else problems.push(...shapeProblems(expected.items, actual.items, rules, `${path}[]`));
  }
  return problems;
}

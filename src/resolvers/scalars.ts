// Scalars from graphql-scalars: DateTime (ISO-8601) and JSON. DateTime output is already
// normalised by src/mapping/timestamp.ts, so strings pass through instead of being parsed
// and checked a second time per field; inputs keep graphql-scalars' validation.
import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';

export const DateTime = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  serialize: (value) => (typeof value === 'string' ? value : DateTimeResolver.serialize(value)),
});
export const JSON = JSONResolver;

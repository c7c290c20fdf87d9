// Scalars from graphql-scalars: DateTime (ISO-8601) and JSON.
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';

export const DateTime = DateTimeResolver;
export const JSON = JSONResolver;

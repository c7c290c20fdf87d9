// The import rules of src/: a request flows HTTP -> resolver -> loader -> cache -> client ->
// Dixa, and no import runs against that flow. `npm test` fails on a new back-pointing import
// (`npm run deps:check`; `npm run deps:graph` prints the folder graph).
/** @type {import('dependency-cruiser').IConfiguration} */
const ABOVE_DATASOURCES = '^src/(writes|events|sync|resolvers|graphql|http|mapping|observability|demo)/|^src/(context|server|stores|schema|main|demo-mode)\\.ts$';
module.exports = {
  forbidden: [
    {
      name: 'demo-only-from-main',
      comment: 'The fake Dixa is loaded only by main.ts in demo mode, never by the product.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(main\\.ts|demo/)' },
      to: { path: '^src/demo/' },
    },
    {
      name: 'demo-is-sealed',
      comment: 'The fake Dixa reads Dixa from the spec, not from the gateway: it imports nothing of the product.',
      severity: 'error',
      from: { path: '^src/demo/' },
      to: { path: '^src/', pathNot: '^src/demo/' },
    },
    {
      name: 'datasources-at-the-bottom',
      comment: 'The Dixa datasource (client, loaders, cache) knows nothing of the layers that call it.',
      severity: 'error',
      from: { path: '^src/datasources/' },
      to: { path: ABOVE_DATASOURCES },
    },
    {
      name: 'datasources-only-id-rules',
      comment: 'The client re-checks ids with the pure id rules; nothing else of validation.',
      severity: 'error',
      from: { path: '^src/datasources/' },
      to: { path: '^src/validation/', pathNot: '^src/validation/ids\\.ts$' },
    },
    {
      name: 'validation-and-mapping-below-writes',
      comment: 'Argument checks and shape mapping are used by resolvers, writes and events; they call none of them.',
      severity: 'error',
      from: { path: '^src/(validation|mapping)/' },
      to: { path: '^src/(writes|events|sync|resolvers|graphql|http)/|^src/(context|server|stores)\\.ts$' },
    },
    {
      name: 'validation-reads-only-dixa-types',
      comment: 'Validation knows Dixa limits and shapes, never the client or the cache.',
      severity: 'error',
      from: { path: '^src/validation/' },
      to: { path: '^src/datasources/', pathNot: '^src/datasources/dixa/types\\.ts$' },
    },
    {
      name: 'events-below-sync-and-resolvers',
      comment: 'Webhooks go verify -> log -> cache -> subscribers; sync and resolvers read the log, not the other way round.',
      severity: 'error',
      from: { path: '^src/events/' },
      to: { path: '^src/(sync|writes|resolvers|graphql)/|^src/(context|server|stores)\\.ts$' },
    },
    {
      name: 'events-use-only-http-body-helpers',
      severity: 'error',
      from: { path: '^src/events/' },
      to: { path: '^src/http/', pathNot: '^src/http/(read-body|body-gate)\\.ts$' },
    },
    {
      name: 'writes-and-sync-below-resolvers',
      severity: 'error',
      from: { path: '^src/(writes|sync)/' },
      to: { path: '^src/(resolvers|graphql|http)/|^src/(server|stores)\\.ts$' },
    },
    {
      name: 'resolvers-below-the-edge',
      severity: 'error',
      from: { path: '^src/resolvers/' },
      to: { path: '^src/(http|graphql)/|^src/(server|stores)\\.ts$' },
    },
    {
      name: 'redis-is-a-leaf',
      comment: 'The Redis connection, key names, scripts and sealing know nothing of what is stored; the stores on Redis live beside their interfaces.',
      severity: 'error',
      from: { path: '^src/redis/' },
      to: { path: '^src/', pathNot: '^src/(redis/|errors\\.ts$|clock\\.ts$)' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};

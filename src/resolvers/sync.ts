// Query.syncStatus, Mutation.configureWebhooks and Mutation.repairSync (src/sync). They act
// for the gateway's configured Dixa organization: webhooks and the event log are its, so a
// request with its own X-Dixa-Token is refused. configureWebhooks changes no conversation,
// so read-only access mode allows it.
import { requireConfiguredOrganization } from './configured-organization.js';
import type { MutationResolvers, QueryResolvers } from '../generated/graphql.js';
import type { GatewayContext } from '../context.js';
import { BadUserInputError } from '../errors.js';
import type { GatewaySync } from '../sync/index.js';

/** A repair reads Dixa's activity log page by page; a month is plenty for an outage and bounds the cost. */
const MAX_REPAIR_WINDOW_MS = 31 * 24 * 60 * 60 * 1000;

function syncOf(context: GatewayContext): GatewaySync {
  if (!context.sync) throw new Error('Sync is not available in this context.');
  requireConfiguredOrganization(
    context,
    "Webhook sync belongs to the gateway's configured Dixa organization; a request with its own X-Dixa-Token cannot read or change it.",
  );
  return context.sync;
}

/** DateTime inputs arrive parsed (graphql-scalars gives a Date); strings are accepted too. */
function epochOf(value: unknown, argument: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new BadUserInputError(`${argument} must be an ISO-8601 date-time such as 2024-05-01T10:00:00Z.`, { argument });
  return ms;
}

function webhookUrlOf(raw: string | null | undefined, publicUrl: string | undefined): string {
  if (raw === null || raw === undefined) {
    if (!publicUrl) {
      throw new BadUserInputError('Give input.url (where Dixa should deliver, ending in /webhooks/dixa) or set PUBLIC_URL on the gateway.', { argument: 'input.url' });
    }
    return `${publicUrl}/webhooks/dixa`;
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new BadUserInputError(`input.url must be an absolute http(s) URL such as https://gateway.example.com/webhooks/dixa; got ${JSON.stringify(raw.slice(0, 100))}.`, { argument: 'input.url' });
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || raw.length > 2000) {
    throw new BadUserInputError('input.url must be an http(s) URL without credentials, at most 2000 characters.', { argument: 'input.url' });
  }
  if (url.pathname.replace(/\/+$/, '') !== '/webhooks/dixa') {
    throw new BadUserInputError(`input.url must end in /webhooks/dixa, the gateway's receiver; got path ${url.pathname}.`, { argument: 'input.url' });
  }
  return url.toString().replace(/\/+$/, '');
}

export const Query: QueryResolvers = {
  syncStatus: (_root, _args, context) => syncOf(context).status(),
};

export const Mutation: MutationResolvers = {
  configureWebhooks: async (_root, args, context) => {
    const sync = syncOf(context);
    await sync.configure(webhookUrlOf(args.input?.url, context.config.sync.publicUrl));
    return sync.status();
  },
  repairSync: async (_root, args, context) => {
    const sync = syncOf(context);
    const now = Date.now();
    const from = epochOf(args.from, 'from');
    const to = args.to === null || args.to === undefined ? now : epochOf(args.to, 'to');
    if (from >= to) throw new BadUserInputError('from must be before to.', { argument: 'from' });
    if (from > now) throw new BadUserInputError('from is in the future; nothing can have been missed yet.', { argument: 'from' });
    if (to - from > MAX_REPAIR_WINDOW_MS) throw new BadUserInputError('The window from..to may span at most 31 days; repair a longer outage in parts.', { argument: 'to' });
    return sync.repair(from, Math.min(to, now), 'on-demand');
  },
};

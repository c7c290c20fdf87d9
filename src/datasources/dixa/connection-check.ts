// Asks Dixa whether a token works: the organization it belongs to, then cheap reads of
// conversations and agents. Deliberately live (no cache): it answers "does it work now", for the
// dixaConnection query, GET /readyz and the start-up log line.
import { GatewayError } from '../../errors.js';
import type { DixaClient } from './client.js';
import type { DixaOrganization } from './types.js';

export interface ConnectionVerdict {
  ok: boolean;
  organization: DixaOrganization | null;
  errorCode: string | null;
  message: string | null;
  checkedAt: string;
}

/** The plain fix an admin needs, for failures whose message does not already say it. */
const FIXES: Record<string, string> = {
  UPSTREAM_TIMEOUT: 'Check that DIXA_API_URL points at Dixa (https://dev.dixa.io) and that the gateway can reach it.',
  UPSTREAM_ERROR: 'Check that DIXA_API_URL points at Dixa (https://dev.dixa.io); if it does, Dixa is failing: try again shortly.',
  RATE_LIMITED: 'Another client is using up this token\'s Dixa rate limit (10 requests/s); give the gateway its own token.',
};

/** The verdict when the gateway has no token to check with. */
export function notConfiguredVerdict(): ConnectionVerdict {
  return {
    ok: false,
    organization: null,
    errorCode: 'DIXA_AUTH_FAILED',
    message: 'No Dixa API token is configured: set DIXA_API_TOKEN.',
    checkedAt: new Date().toISOString(),
  };
}

export async function checkDixaConnection(client: DixaClient): Promise<ConnectionVerdict> {
  const checkedAt = new Date().toISOString();
  let organization: DixaOrganization | null = null;
  try {
    organization = await client.getOrganization();
    await client.searchConversations({}, { pageLimit: 1 });
    await client.listAgentsPage({ pageLimit: 1 });
    return { ok: true, organization, errorCode: null, message: null, checkedAt };
  } catch (error) {
    const known = error instanceof GatewayError;
    return {
      ok: false,
      organization,
      errorCode: known ? error.code : 'UPSTREAM_ERROR',
      message: known ? [error.message, FIXES[error.code]].filter(Boolean).join(' ') : 'The connection check failed unexpectedly; see the gateway log.',
      checkedAt,
    };
  }
}

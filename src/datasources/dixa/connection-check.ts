// Asks Dixa whether a token works: the organization it belongs to, then cheap reads of
// conversations and agents. Deliberately live (no cache): it answers "does it work now", for the
// dixaConnection query, GET /readyz and the start-up log line.
import { CircuitOpenError, GatewayError } from '../../errors.js';
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
function fixFor(code: string, apiUrl: string | undefined): string | undefined {
  const url = apiUrl ? `DIXA_API_URL (now ${apiUrl})` : 'DIXA_API_URL';
  if (code === 'UPSTREAM_TIMEOUT') return `Check that ${url} points at Dixa (https://dev.dixa.io) and that the gateway can reach it.`;
  if (code === 'UPSTREAM_ERROR') return `Check that ${url} points at Dixa (https://dev.dixa.io); if it does, Dixa is failing: try again shortly.`;
  if (code === 'RATE_LIMITED') return "Another client is using up this token's Dixa rate limit (10 requests/s); give the gateway its own token.";
  return undefined;
}

export interface CheckOptions {
  /** The configured DIXA_API_URL, named in the fix for connection failures. */
  apiUrl?: string;
}

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

export async function checkDixaConnection(client: DixaClient, options: CheckOptions = {}): Promise<ConnectionVerdict> {
  const checkedAt = new Date().toISOString();
  let organization: DixaOrganization | null = null;
  try {
    organization = await client.getOrganization();
    await client.searchConversations({}, { pageLimit: 1 });
    await client.listAgentsPage({ pageLimit: 1 });
    return { ok: true, organization, errorCode: null, message: null, checkedAt };
  } catch (error) {
    if (!(error instanceof GatewayError)) {
      return { ok: false, organization, errorCode: 'UPSTREAM_ERROR', message: 'The connection check failed unexpectedly; see the gateway log.', checkedAt };
    }
    // A check made while the circuit is open fails fast; the breaker still knows why.
    const cause = error instanceof CircuitOpenError && error.lastFailure ? `The last failure: ${error.lastFailure}` : undefined;
    return {
      ok: false,
      organization,
      errorCode: error.code,
      message: [error.message, cause, fixFor(error.code, options.apiUrl)].filter(Boolean).join(' '),
      checkedAt,
    };
  }
}

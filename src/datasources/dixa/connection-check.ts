// Asks Dixa whether a token works: the organization it belongs to, then a cheap read of
// conversations. Deliberately live (no cache): it answers "does it work now", for the
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

export async function checkDixaConnection(client: DixaClient): Promise<ConnectionVerdict> {
  const checkedAt = new Date().toISOString();
  let organization: DixaOrganization | null = null;
  try {
    organization = await client.getOrganization();
    await client.searchConversations({}, { pageLimit: 1 });
    return { ok: true, organization, errorCode: null, message: null, checkedAt };
  } catch (error) {
    const known = error instanceof GatewayError;
    return {
      ok: false,
      organization,
      errorCode: known ? error.code : 'UPSTREAM_ERROR',
      message: known ? error.message : 'The connection check failed unexpectedly; see the gateway log.',
      checkedAt,
    };
  }
}

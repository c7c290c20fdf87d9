// Webhook events and sync belong to the gateway's configured Dixa organization: a request
// that brings its own X-Dixa-Token (DIXA_TOKEN_HEADER) may not read or change them.
import type { GatewayContext } from '../context.js';
import { tokenFingerprint } from '../datasources/dixa/token-fingerprint.js';
import { ErrorCode, GatewayError } from '../errors.js';

/** Throws DIXA_FORBIDDEN (saying `refusal`) unless the request runs with the configured token. */
export function requireConfiguredOrganization(context: GatewayContext, refusal: string): void {
  const configured = context.config.dixa.token;
  if (configured && context.dixa.client.fingerprint === tokenFingerprint(configured)) return;
  throw new GatewayError(ErrorCode.DIXA_FORBIDDEN, refusal);
}

// The agent a write is made as: the one named in the input, else DIXA_DEFAULT_AGENT_ID;
// and the check that Dixa has that agent (NOT_FOUND otherwise), from the cached agent list.
import type { GatewayConfig } from '../config.js';
import type { DixaLoaders } from '../datasources/dixa/loaders.js';
import { BadUserInputError, NotFoundError } from '../errors.js';

export interface ResolvedAgent {
  agentId: string;
  /** True when it came from DIXA_DEFAULT_AGENT_ID, so errors can say where to fix it. */
  agentFromDefault: boolean;
}

/** Fails with BAD_USER_INPUT when there is neither; `purpose` says what the agent is for. */
export function resolveAgentId(explicit: string | undefined, config: GatewayConfig, purpose: string): ResolvedAgent {
  if (explicit) return { agentId: explicit, agentFromDefault: false };
  const fallback = config.dixa.defaultAgentId?.toLowerCase();
  if (fallback) return { agentId: fallback, agentFromDefault: true };
  throw new BadUserInputError(
    `agentId is required: name the Dixa agent ${purpose}, or set DIXA_DEFAULT_AGENT_ID to an agent's id so it is used when none is given.`,
    { argument: 'agentId' },
  );
}

/** The agent as optional: the input's, else the default, else none (Dixa then uses the token's user). */
export function optionalAgentId(explicit: string | undefined, config: GatewayConfig): ResolvedAgent | undefined {
  if (explicit) return { agentId: explicit, agentFromDefault: false };
  const fallback = config.dixa.defaultAgentId?.toLowerCase();
  return fallback ? { agentId: fallback, agentFromDefault: true } : undefined;
}

export async function requireAgent(loaders: DixaLoaders, agentId: string, fromDefault: boolean): Promise<void> {
  const agent = await loaders.agent.load(agentId.toLowerCase());
  if (!agent) {
    throw new NotFoundError(
      fromDefault
        ? `Dixa has no agent ${agentId} (DIXA_DEFAULT_AGENT_ID). Set it to the id of an existing agent.`
        : `Dixa has no agent ${agentId} (agentId).`,
      { argument: 'agentId' },
    );
  }
}

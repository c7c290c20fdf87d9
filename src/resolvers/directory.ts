// The organization's directory: agents, queues and tags, as Dixa lists them.
import type { AgentResolvers, QueueResolvers, TagResolvers } from '../generated/graphql.js';
import { toIsoDateTime } from '../mapping/timestamp.js';

export const Agent: AgentResolvers = {
  id: (a) => a.id,
  displayName: (a) => a.displayName,
  email: (a) => a.email,
  phoneNumber: (a) => a.phoneNumber ?? null,
  avatarUrl: (a) => a.avatarUrl ?? null,
  roles: (a) => a.roles ?? [],
  createdAt: (a) => toIsoDateTime(a.createdAt),
};

export const Queue: QueueResolvers = {
  id: (q) => q.id,
  name: (q) => q.name ?? null,
};

export const Tag: TagResolvers = {
  id: (t) => t.id,
  name: (t) => t.name,
  color: (t) => t.color ?? null,
  active: (t) => t.state !== 'Inactive',
};

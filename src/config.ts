// Environment -> typed, validated configuration. Every problem is collected and reported
// at once, each naming the variable and what a valid value looks like, so an operator
// fixes a bad deployment in one pass. Secrets are kept out of every message.
import type { Channel } from './generated/graphql.js';
import { isIP } from 'node:net';

export type AccessMode = 'read-only' | 'read-write';
export type ApiVersion = 'v1' | 'beta';

/** What the shared cache keeps, each with its own TTL. */
export const CACHE_KINDS = [
  'conversation',
  'messages',
  'notes',
  'conversationTags',
  'endUser',
  'endUserByEmail',
  'customerConversations',
  'agent',
  'agents',
  'queues',
  'tags',
  'search',
  'organization',
] as const;
export type CacheKind = (typeof CACHE_KINDS)[number];

const DEFAULT_TTL_SECONDS: Record<CacheKind, number> = {
  conversation: 60,
  messages: 60,
  notes: 60,
  conversationTags: 60,
  endUser: 300,
  endUserByEmail: 300,
  customerConversations: 30,
  agent: 600,
  agents: 600,
  queues: 600,
  tags: 600,
  search: 15,
  organization: 600,
};

export const CHANNELS: readonly Channel[] = [
  'EMAIL',
  'WIDGET_CHAT',
  'CONTACT_FORM',
  'SMS',
  'WHATSAPP',
  'FACEBOOK_MESSENGER',
  'MESSENGER',
  'TWITTER',
  'PSTN_PHONE',
  'CALLBACK',
  'VOICEMAIL',
  'OTHER',
];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface GatewayConfig {
  port: number;
  host: string;
  /** True when no DIXA_API_TOKEN is set: the embedded fake Dixa serves the gateway. */
  demo: boolean;
  production: boolean;
  logLevel: LogLevel;
  dataDir: string;
  apiKeys: string[];
  webhookSecret: string | undefined;
  /** The webhook receiver and the event log (src/events). */
  events: {
    /** How far a signature's timestamp may be from the gateway's clock; 0 turns the check off. */
    toleranceSeconds: number;
    maxBodyBytes: number;
    /** Webhook bodies read at once before their signature is checked; more get 503. */
    maxPendingBodies: number;
    /** Stored events older than this are deleted; 0 keeps them forever. */
    retentionDays: number;
  };
  /**
   * Redis (REDIS_URL) holding what replicas share; undefined: one process, state in memory
   * and SQLite under DATA_DIR. `replicas` sizes each replica's share of a token's budget
   * while Redis is away (GATEWAY_REPLICAS).
   */
  redis: { url: string; replicas: number } | undefined;
  /** Sync that cannot silently stop (src/sync). */
  sync: {
    /** The gateway's externally reachable base URL; Dixa delivers to PUBLIC_URL/webhooks/dixa. */
    publicUrl: string | undefined;
    /** DIXA_MANAGE_WEBHOOKS: configure the subscription at start, as configureWebhooks does. */
    manageWebhooks: boolean;
    /** How long a syncStatus answer is reused (it costs Dixa calls). */
    statusCacheSeconds: number;
  };
  /** What the gateway reads on its own initiative to keep the cache warm (src/prefetch). */
  prefetch: { mode: PrefetchMode };
  /** A GraphQL request's deadline: its pending Dixa calls are aborted after it. */
  requestDeadlineMs: number;
  graphql: {
    maxDepth: number;
    maxAliases: number;
    maxRootFields: number;
    /** Estimated Dixa calls one operation may need on a cold cache. */
    maxCost: number;
    maxBodyBytes: number;
    /** Off in production unless asked for. */
    introspection: boolean;
    playground: boolean;
    /** GRAPHQL_TRUSTED_DOCUMENTS: a manifest path; when set, only its documents run, by id. */
    trustedDocuments: string | undefined;
  };
  dixa: {
    /** Trimmed. Undefined only in the demo config as loaded; withDemoDixa (demo-mode.ts) sets it. */
    token: string | undefined;
    apiUrl: string;
    apiVersion: ApiVersion;
    access: AccessMode;
    replyChannels: Channel[];
    defaultAgentId: string | undefined;
    emailIntegrationId: string | undefined;
    widgetId: string | undefined;
    rateLimit: { perSecond: number; burst: number };
    /** The longest a call may queue for a rate-limit slot before RATE_LIMITED. */
    rateLimitMaxWaitMs: number;
    /** Attempts in all for calls that may be repeated (reads, PUT/DELETE actions). */
    retryMaxAttempts: number;
    retryBaseDelayMs: number;
    /** Upstream failures in a row that open a token's circuit, and how long it stays open. */
    circuitThreshold: number;
    circuitCooldownMs: number;
    /** The share of a token's rate budget background work may take (DIXA_BACKGROUND_SHARE). */
    backgroundShare: number;
    /** DIXA_PRIORITIES=off: one FIFO queue for every call (a benchmark switch, the baseline). */
    priorities: boolean;
    tokenHeader: boolean;
    /** undici pool timeouts, in milliseconds. */
    connectTimeoutMs: number;
    headersTimeoutMs: number;
    bodyTimeoutMs: number;
    connections: number;
  };
  cache: {
    maxEntries: number;
    maxBytes: number;
    ttlSeconds: Record<CacheKind, number>;
    webhookTtlSeconds: number;
  };
  /** How long, and how many per token, idempotency keys are remembered. */
  idempotency: { ttlMs: number; maxKeysPerToken: number; maxTokens: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }

  /** What an operator reads: one line when there is one problem. */
  get report(): string {
    return this.problems.length === 1 ? `Invalid configuration: ${this.problems[0]}` : this.message;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Env = Record<string, string | undefined>;

/** Reads one variable at a time and remembers every problem it saw. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max}; got "${value}".`);
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}; got "${value}".`);
      return fallback;
    }
    return value as T;
  }

  /** A share strictly above 0, at most 1, e.g. 0.5. */
  fraction(name: string, fallback: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d*\.?\d+$/.test(value) || !(n > 0 && n <= 1)) {
      this.problems.push(`${name} must be a number above 0 and at most 1, e.g. 0.5; got "${value}".`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    this.problems.push(`${name} must be true or false; got "${value}".`);
    return fallback;
  }

  list(name: string): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    return value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
  }

  uuid(name: string): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && !UUID.test(value)) {
      this.problems.push(`${name} must be a Dixa id (a uuid such as 0e4d0ead-dc69-470a-9b3a-e7eb16a56453).`);
      return undefined;
    }
    return value;
  }

  url(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
      // The version prefix is a separate setting; a trailing slash would double it.
      return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    } catch {
      this.problems.push(`${name} must be an http(s) URL such as https://dev.dixa.io; got "${value}".`);
      return fallback;
    }
  }
}

function parseRateLimit(reader: EnvReader): { perSecond: number; burst: number } {
  const value = reader.raw('DIXA_RATE_LIMIT') ?? '10/4';
  const match = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(value);
  const perSecond = Number(match?.[1]);
  const burst = Number(match?.[2]);
  if (!match || perSecond <= 0 || burst < 1) {
    reader.problems.push(`DIXA_RATE_LIMIT must be <requests per second>/<burst>, e.g. 10/4; got "${value}".`);
    return { perSecond: 10, burst: 4 };
  }
  return { perSecond, burst };
}

function parseChannels(reader: EnvReader): Channel[] {
  const values = reader.list('DIXA_REPLY_CHANNELS') ?? ['EMAIL', 'WIDGET_CHAT'];
  const unknown = values.filter((v) => !(CHANNELS as readonly string[]).includes(v.toUpperCase()));
  if (unknown.length > 0) {
    reader.problems.push(`DIXA_REPLY_CHANNELS has unknown channels ${unknown.join(', ')}; use any of ${CHANNELS.join(', ')}.`);
  }
  return [...new Set(values.map((v) => v.toUpperCase()))].filter((v): v is Channel =>
    (CHANNELS as readonly string[]).includes(v),
  );
}

/** Keys callers send as `Bearer <key>`: a key with whitespace inside could never be sent, so it is refused. */
function parseApiKeys(reader: EnvReader): string[] {
  const keys = reader.list('GATEWAY_API_KEYS') ?? [];
  if (keys.some((key) => /\s/.test(key))) {
    reader.problems.push('GATEWAY_API_KEYS has a key with whitespace inside it, which no "Authorization: Bearer <key>" header can carry; separate keys with commas and use keys without spaces.');
  }
  return keys;
}

/** `DIXA_CACHE_TTL=conversation=30,search=5` overrides the default TTL of those kinds. */
function parseTtls(reader: EnvReader): Record<CacheKind, number> {
  const ttls = { ...DEFAULT_TTL_SECONDS };
  for (const pair of reader.list('DIXA_CACHE_TTL') ?? []) {
    const [kind, seconds] = pair.split('=').map((s) => s.trim());
    if (!kind || !(CACHE_KINDS as readonly string[]).includes(kind) || !/^\d+$/.test(seconds ?? '')) {
      reader.problems.push(
        `DIXA_CACHE_TTL entries look like kind=seconds with kind one of ${CACHE_KINDS.join(', ')}; got "${pair}".`,
      );
      continue;
    }
    ttls[kind as CacheKind] = Number(seconds);
  }
  return ttls;
}

/** REDIS_URL (redis:// or rediss://, optional user and password) and GATEWAY_REPLICAS. */
function parseRedis(reader: EnvReader): GatewayConfig['redis'] {
  const raw = reader.raw('REDIS_URL');
  const replicas = reader.int('GATEWAY_REPLICAS', 3, 1, 1000);
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname || url.search || url.hash) throw new Error('shape');
    if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) throw new Error('db');
    return { url: raw, replicas };
  } catch {
    // The URL may hold a password: the message names its shape, never its value.
    reader.problems.push('REDIS_URL must be redis://[user:password@]host:port[/db] or rediss://… for TLS (Redis 7 or later).');
    return undefined;
  }
}

export type PrefetchMode = 'open' | 'off';

/**
 * DIXA_PREFETCH: `open` by default when webhooks keep the cache fresh (a secret, a managed
 * subscription, or the demo's), since warming is then paid once; without them warm
 * entries would expire within a minute and the warming would never stop.
 */
function parsePrefetch(reader: EnvReader, demo: boolean, webhookSecret: string | undefined, sync: GatewayConfig['sync']): GatewayConfig['prefetch'] {
  const webhooksOn = webhookSecret !== undefined || sync.manageWebhooks || demo;
  return { mode: reader.oneOf('DIXA_PREFETCH', ['open', 'off'] as const, webhooksOn ? 'open' : 'off') };
}

/** PUBLIC_URL, DIXA_MANAGE_WEBHOOKS and SYNC_STATUS_CACHE_SECONDS (src/sync). */
function parseSync(reader: EnvReader, demo: boolean): GatewayConfig['sync'] {
  let publicUrl: string | undefined;
  const rawUrl = reader.raw('PUBLIC_URL');
  if (rawUrl !== undefined) {
    try {
      const url = new URL(rawUrl);
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) throw new Error('shape');
      publicUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    } catch {
      reader.problems.push(`PUBLIC_URL must be the gateway's public base URL, such as https://gateway.example.com (no query, no credentials); got "${rawUrl}".`);
    }
  }
  const manageWebhooks = reader.bool('DIXA_MANAGE_WEBHOOKS', false);
  // Demo mode points the fake at the gateway's own address once it listens.
  if (manageWebhooks && rawUrl === undefined && !demo) {
    reader.problems.push('DIXA_MANAGE_WEBHOOKS=true needs PUBLIC_URL: the address Dixa delivers webhooks to (PUBLIC_URL/webhooks/dixa).');
  }
  return { publicUrl, manageWebhooks, statusCacheSeconds: reader.int('SYNC_STATUS_CACHE_SECONDS', 10, 0, 3600) };
}

export function loadConfig(env: Env = process.env): GatewayConfig {
  const reader = new EnvReader(env);
  const token = reader.raw('DIXA_API_TOKEN');
  const production = env.NODE_ENV === 'production';
  // Demo mode (a fake Dixa) only when the token is absent outside production: a token that is
  // set but blank is a deployment mistake, and production never serves made-up data.
  const demo = token === undefined;
  if (token === undefined && env.DIXA_API_TOKEN !== undefined) {
    reader.problems.push('DIXA_API_TOKEN is set but blank; set it to the Dixa API token, or unset it to run the demo with a fake Dixa.');
  } else if (token === undefined && production) {
    reader.problems.push('DIXA_API_TOKEN is not set and NODE_ENV=production; set DIXA_API_TOKEN to the Dixa API token (demo mode with a fake Dixa is for development only).');
  }
  if (token !== undefined && /\s/.test(token)) {
    reader.problems.push('DIXA_API_TOKEN contains whitespace inside it; copy the token again as one piece.');
  }
  const webhookSecret = reader.raw('DIXA_WEBHOOK_SECRET');
  if (webhookSecret !== undefined && !/^(?:[0-9a-f]{2})+$/i.test(webhookSecret)) {
    reader.problems.push("DIXA_WEBHOOK_SECRET must be the subscription's hex secretKey (an even number of 0-9a-f characters).");
  }

  const sync = parseSync(reader, demo);
  const config: GatewayConfig = {
    port: reader.int('PORT', 4000, 0, 65535),
    host: reader.string('HOST', '127.0.0.1'),
    demo,
    production,
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    dataDir: reader.string('DATA_DIR', './data'),
    apiKeys: parseApiKeys(reader),
    webhookSecret,
    events: {
      toleranceSeconds: reader.int('DIXA_WEBHOOK_TOLERANCE_SECONDS', 300, 0, 86_400),
      maxBodyBytes: reader.int('DIXA_WEBHOOK_MAX_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
      maxPendingBodies: reader.int('DIXA_WEBHOOK_MAX_PENDING', 64, 1, 10_000),
      retentionDays: reader.int('EVENT_RETENTION_DAYS', 30, 0, 36_500),
    },
    redis: parseRedis(reader),
    sync,
    prefetch: parsePrefetch(reader, demo, webhookSecret, sync),
    requestDeadlineMs: reader.int('GRAPHQL_DEADLINE_MS', 30_000, 100, 600_000),
    graphql: {
      maxDepth: reader.int('GRAPHQL_MAX_DEPTH', 10, 1, 100),
      maxAliases: reader.int('GRAPHQL_MAX_ALIASES', 30, 0, 1000),
      maxRootFields: reader.int('GRAPHQL_MAX_ROOT_FIELDS', 20, 1, 1000),
      maxCost: reader.int('GRAPHQL_MAX_COST', 1000, 1, 1_000_000),
      maxBodyBytes: reader.int('GRAPHQL_MAX_BODY_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
      introspection: reader.bool('GRAPHQL_INTROSPECTION', env.NODE_ENV !== 'production'),
      playground: reader.bool('GRAPHQL_PLAYGROUND', env.NODE_ENV !== 'production'),
      trustedDocuments: reader.raw('GRAPHQL_TRUSTED_DOCUMENTS'),
    },
    dixa: {
      token,
      apiUrl: reader.url('DIXA_API_URL', 'https://dev.dixa.io'),
      apiVersion: reader.oneOf('DIXA_API_VERSION', ['v1', 'beta'] as const, 'v1'),
      access: reader.oneOf('DIXA_ACCESS', ['read-only', 'read-write'] as const, demo ? 'read-write' : 'read-only'),
      replyChannels: parseChannels(reader),
      defaultAgentId: reader.uuid('DIXA_DEFAULT_AGENT_ID'),
      emailIntegrationId: reader.raw('DIXA_EMAIL_INTEGRATION_ID'),
      widgetId: reader.uuid('DIXA_WIDGET_ID'),
      rateLimit: parseRateLimit(reader),
      rateLimitMaxWaitMs: reader.int('DIXA_RATE_LIMIT_MAX_WAIT_MS', 10_000, 0, 600_000),
      retryMaxAttempts: reader.int('DIXA_RETRY_MAX_ATTEMPTS', 3, 1, 10),
      retryBaseDelayMs: reader.int('DIXA_RETRY_BASE_DELAY_MS', 200, 0, 60_000),
      circuitThreshold: reader.int('DIXA_CIRCUIT_THRESHOLD', 8, 1, 1000),
      circuitCooldownMs: reader.int('DIXA_CIRCUIT_COOLDOWN_MS', 10_000, 100, 600_000),
      backgroundShare: reader.fraction('DIXA_BACKGROUND_SHARE', 0.5),
      priorities: reader.oneOf('DIXA_PRIORITIES', ['on', 'off'] as const, 'on') === 'on',
      tokenHeader: reader.bool('DIXA_TOKEN_HEADER', false),
      connectTimeoutMs: reader.int('DIXA_CONNECT_TIMEOUT_MS', 5_000, 1, 600_000),
      headersTimeoutMs: reader.int('DIXA_HEADERS_TIMEOUT_MS', 15_000, 1, 600_000),
      bodyTimeoutMs: reader.int('DIXA_BODY_TIMEOUT_MS', 15_000, 1, 600_000),
      connections: reader.int('DIXA_CONNECTIONS', 16, 1, 1024),
    },
    cache: {
      maxEntries: reader.int('CACHE_MAX_ENTRIES', 50_000, 1, 10_000_000),
      maxBytes: reader.int('CACHE_MAX_MB', 64, 1, 16_384) * 1024 * 1024,
      ttlSeconds: parseTtls(reader),
      webhookTtlSeconds: reader.int('DIXA_WEBHOOK_CACHE_TTL', 1800, 0, 7 * 86_400),
    },
    idempotency: {
      ttlMs: reader.int('IDEMPOTENCY_TTL_HOURS', 24, 1, 24 * 30) * 3_600_000,
      maxKeysPerToken: reader.int('IDEMPOTENCY_MAX_KEYS', 10_000, 100, 10_000_000),
      maxTokens: 1_000,
    },
  };
  const refusal = listenRefusal(config.host, config.apiKeys);
  if (refusal) reader.problems.push(refusal);
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return config;
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/** Why the gateway may not start as configured, or undefined when it may. */
export function listenRefusal(host: string, keys: readonly string[]): string | undefined {
  if (keys.length > 0 || isLoopbackHost(host)) return undefined;
  return `HOST=${host} would expose the gateway beyond this machine, and GATEWAY_API_KEYS is not set, so anyone could read and write Dixa conversations. Set GATEWAY_API_KEYS (comma-separated keys callers send as "Authorization: Bearer <key>") or listen on 127.0.0.1.`;
}

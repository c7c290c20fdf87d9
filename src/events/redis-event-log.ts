// The event log in Redis, shared by every replica (REDIS_URL). One Redis Stream per token
// holds the events in receipt order; an entry's id is `<ms>-<n>` (n < 1000), chosen by the
// append script from the receipt time and the last id, so the seq (and the cursor) of an
// event is `ms * 1000 + n` on every replica: ordered, never reused, and an event's age is
// readable from it, which is what retention trims by (XTRIM MINID). Beside the stream:
// - `id:<event_id>` and `msg:<message id>`: the stream id an event or message was stored
//   under (with the retention TTL), the dedupe the SQLite log gets from UNIQUE columns;
// - `chg:<hash of change key>` (sorted by occurred time) and `pair:<…>`: the same change
//   from the other source within CHANGE_MATCH_WINDOW_MS, one partner each;
// - `conv:<conversation id>`: a sorted set of the conversation's stream ids by seq, so
//   conversationEvents(conversationId:) reads only that conversation's entries;
// - `head` (the last id handed out) and `last:<source>` (newest receipt time).
// Every check and write of an append runs in one Lua script, so two replicas receiving the
// same delivery store it once. Event bodies carry customer data: they are sealed with a key
// derived from the token (sealed-box.ts); keys hold only ids and the token's fingerprint.
// Live notices come from XREAD BLOCK on a dedicated connection (`watch`), so an event
// stored by any replica wakes subscriptions on all of them.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { ErrorReply } from 'redis';
import { EventLogUnavailableError } from '../errors.js';
import type { RedisClient, RedisConnection } from '../redis/connection.js';
import { tokenKey } from '../redis/keys.js';
import { LuaScript } from '../redis/lua-script.js';
import { SealedBox } from '../redis/sealed-box.js';
import { CHANGE_MATCH_WINDOW_MS, type AppendResult, type EventLog, type EventSource, type NewEvent, type ReadQuery, type StoredEvent } from './event-log.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Entries per millisecond an id can tell apart; the seq is `ms * IDS_PER_MS + n`. */
const IDS_PER_MS = 1000;
/** How long one XREAD waits before it asks again (and notices a close). */
const TAIL_BLOCK_MS = 2_000;
const TAIL_RETRY_MS = 250;

// Finds what an event repeats (same event_id, message id, or change from the other source);
// in 'append' mode stores it when it repeats nothing. Returns {0, id, fields} for a repeat,
// {1, id} for a new entry, nil for a probe that found nothing.
const APPEND = new LuaScript(`
local stream, head, idKey, msgKey, chgKey, pairKey, convKey, lastKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local mode, eventId, source, hasMsg, occurred, window, received, ttl, payload, conv =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9], ARGV[10]
local function found(id)
  local e = redis.call('XRANGE', stream, id, id)
  if #e == 0 then return nil end
  return {0, e[1][1], e[1][2]}
end
local function split(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local id = redis.call('GET', idKey)
if id then local d = found(id) if d then return d end end
if hasMsg == '1' then
  id = redis.call('GET', msgKey)
  if id then local d = found(id) if d then return d end end
end
if occurred ~= '' then
  local at = tonumber(occurred)
  local best, bestMs, bestN = nil, 0, 0
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', chgKey, at - window, at + window)) do
    local bar = string.find(m, '|', 1, true)
    local mid, msrc = string.sub(m, 1, bar - 1), string.sub(m, bar + 1)
    if msrc ~= source then
      local partner = redis.call('HGET', pairKey, mid)
      if (not partner) or partner == eventId then
        local ms, n = split(mid)
        if best == nil or ms < bestMs or (ms == bestMs and n < bestN) then best, bestMs, bestN = mid, ms, n end
      end
    end
  end
  if best then
    local d = found(best)
    if d then
      if mode == 'append' then
        redis.call('HSETNX', pairKey, best, eventId)
        if ttl > 0 then redis.call('PEXPIRE', pairKey, ttl) end
      end
      return d
    end
  end
end
if mode ~= 'append' then return nil end
local ms, n = received, 0
local last = redis.call('GET', head)
if last then
  local lms, ln = split(last)
  if ms <= lms then
    ms, n = lms, ln + 1
    if n >= ${IDS_PER_MS} then ms, n = ms + 1, 0 end
  end
end
local msText = string.format('%.0f', ms)
local newId = msText .. '-' .. n
redis.call('XADD', stream, newId, 'c', conv, 'e', payload)
redis.call('SET', head, newId)
local function keep(key) if ttl > 0 then redis.call('PEXPIRE', key, ttl) end end
redis.call('SET', idKey, newId) keep(idKey)
if hasMsg == '1' then redis.call('SET', msgKey, newId) keep(msgKey) end
if occurred ~= '' then
  redis.call('ZADD', chgKey, occurred, newId .. '|' .. source) keep(chgKey)
  -- A repair reaches back at most the retention: older entries can match nothing.
  if ttl > 0 then redis.call('ZREMRANGEBYSCORE', chgKey, '-inf', '(' .. string.format('%.0f', tonumber(occurred) - ttl)) end
end
if conv ~= '' then
  redis.call('ZADD', convKey, msText .. string.format('%03d', n), newId) keep(convKey)
  -- Entries of events retention trimmed from the stream leave the index too.
  if ttl > 0 then redis.call('ZREMRANGEBYSCORE', convKey, '-inf', '(' .. string.format('%.0f', received - ttl) .. '000') end
end
if received > tonumber(redis.call('GET', lastKey) or '0') then redis.call('SET', lastKey, ARGV[7]) end
return {1, newId}
`);

// One conversation's entries after a seq, oldest first; index entries whose event was
// trimmed by retention are dropped on the way.
const READ_CONVERSATION = new LuaScript(`
local out, want, after = {}, tonumber(ARGV[2]), ARGV[1]
while #out < want do
  local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. after, '+inf', 'WITHSCORES', 'LIMIT', 0, want - #out)
  if #ids == 0 then break end
  for i = 1, #ids, 2 do
    local e = redis.call('XRANGE', KEYS[1], ids[i], ids[i])
    if #e == 0 then redis.call('ZREM', KEYS[2], ids[i]) else out[#out + 1] = e[1] end
    after = ids[i + 1]
  end
end
return out
`);

// Entries about a conversation (not the org-level ones) after an id, oldest first.
const READ_ALL = new LuaScript(`
local out, want, start = {}, tonumber(ARGV[2]), ARGV[1]
while #out < want do
  local batch = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', want - #out)
  if #batch == 0 then break end
  for _, e in ipairs(batch) do
    if e[2][2] ~= '' then out[#out + 1] = e end
    start = '(' .. e[1]
  end
end
return out
`);

type Fields = string[];
type Entry = [string, Fields];

/** The seq of a stream id `<ms>-<n>`. */
export function seqOfStreamId(id: string): number {
  const [ms, n] = id.split('-');
  return Number(ms) * IDS_PER_MS + Number(n);
}

/** The stream id of a seq. */
export function streamIdOfSeq(seq: number): string {
  return `${Math.floor(seq / IDS_PER_MS)}-${seq % IDS_PER_MS}`;
}

const hashed = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 40);

export interface RedisEventLogOptions {
  redis: RedisConnection;
  /** The configured token: its fingerprint names the keys, the token itself derives the sealing key. */
  token: string;
  fingerprint: string;
  /** EVENT_RETENTION_DAYS; 0 keeps events (and their dedupe records) forever. */
  retentionDays: number;
  logger: Logger;
}

export function openRedisEventLog(options: RedisEventLogOptions): EventLog {
  const { redis, fingerprint } = options;
  const box = new SealedBox(options.token, 'event-log');
  const key = (...parts: string[]) => tokenKey(fingerprint, 'events', ...parts);
  const streamKey = key('stream');
  const headKey = key('head');
  const ttlMs = options.retentionDays > 0 ? options.retentionDays * DAY_MS : 0;
  const logger = options.logger.child({ component: 'event-log' });

  // Redis away is a state callers handle (503 to Dixa, subscriptions wait); a script's own
  // error reply is a defect and stays what it is.
  async function call<T>(work: (client: RedisClient) => Promise<T>): Promise<T> {
    if (!redis.isReady()) throw new EventLogUnavailableError();
    try {
      return await work(redis.client);
    } catch (error) {
      if (error instanceof ErrorReply) throw error;
      throw new EventLogUnavailableError(5, { cause: error });
    }
  }

  function toEvent(entry: Entry): StoredEvent {
    const [id, fields] = entry;
    const sealed = fields[fields.indexOf('e') + 1] ?? '';
    const plain = box.open(sealed);
    if (plain === undefined) throw new Error(`event log: entry ${id} cannot be opened with the configured token's key`);
    return { ...(JSON.parse(plain) as Omit<StoredEvent, 'seq'>), seq: seqOfStreamId(id) };
  }

  async function lookup(event: NewEvent, mode: 'append' | 'probe', payload: string): Promise<[number, string, Fields?] | null> {
    const source = event.source ?? 'WEBHOOK';
    const occurredMs = Date.parse(event.occurredAt);
    const changeKey = event.changeKey && Number.isFinite(occurredMs) ? hashed(event.changeKey) : undefined;
    const receivedMs = Date.parse(event.receivedAt);
    return call((client) =>
      APPEND.run<[number, string, Fields?] | null>(
        client,
        [
          streamKey,
          headKey,
          key('id', hashed(event.eventId)),
          key('msg', event.messageId ? hashed(event.messageId) : '-'),
          key('chg', changeKey ?? '-'),
          key('pair', changeKey ?? '-'),
          key('conv', event.conversationId ?? '-'),
          key('last', source),
        ],
        [
          mode,
          event.eventId,
          source,
          event.messageId ? '1' : '0',
          changeKey ? String(occurredMs) : '',
          String(CHANGE_MATCH_WINDOW_MS),
          String(Number.isFinite(receivedMs) ? receivedMs : Date.now()),
          String(ttlMs),
          payload,
          event.conversationId ?? '',
        ],
      ),
    );
  }

  // Live notices: one XREAD BLOCK loop per process, started by the first watcher.
  const watchers = new Set<(event: StoredEvent) => void>();
  let tail: RedisClient | undefined;
  let tailing = false;
  let open = true;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

  async function follow(): Promise<void> {
    // Notices start at the head when the watch began (read on the command connection, which
    // is usually up already), not when the tail connection happens to be ready.
    let lastId: string | undefined = redis.isReady() ? (((await redis.client.get(headKey).catch(() => null)) as string | null) ?? '0-0') : undefined;
    tail = await redis.dedicated('event-log tail');
    while (open) {
      try {
        if (!tail.isReady) {
          await pause(TAIL_RETRY_MS);
          continue;
        }
        // Events stored before the watch began are the readers' backlog, not notices.
        lastId ??= ((await tail.get(headKey)) as string | null) ?? '0-0';
        const reply = (await tail.sendCommand(['XREAD', 'BLOCK', String(TAIL_BLOCK_MS), 'COUNT', '500', 'STREAMS', streamKey, lastId])) as
          | [string, Entry[]][]
          | null;
        for (const [, entries] of reply ?? []) {
          for (const entry of entries) {
            lastId = entry[0];
            let event: StoredEvent;
            try {
              event = toEvent(entry);
            } catch (error) {
              logger.error({ err: error, id: entry[0] }, 'event log entry skipped by the live feed');
              continue;
            }
            for (const watcher of watchers) watcher(event);
          }
        }
      } catch (error) {
        if (!open) break;
        logger.debug({ reason: (error as Error).message }, 'event log tail interrupted; resuming');
        await pause(TAIL_RETRY_MS);
      }
    }
  }

  return {
    async append(event: NewEvent): Promise<AppendResult> {
      const { messageId: _m, changeKey: _c, ...rest } = event;
      const stored: Omit<StoredEvent, 'seq'> = { ...rest, source: event.source ?? 'WEBHOOK', receivedAt: new Date(Date.parse(event.receivedAt)).toISOString() };
      const reply = await lookup(event, 'append', box.seal(JSON.stringify(stored)));
      if (!reply) throw new Error('event log: the append script answered nothing');
      const [isNew, id, fields] = reply;
      if (Number(isNew) === 1) return { stored: true, event: { ...stored, seq: seqOfStreamId(id) } };
      return { stored: false, event: toEvent([id, fields ?? []]) };
    },
    async findDuplicate(event: NewEvent): Promise<StoredEvent | undefined> {
      const reply = await lookup(event, 'probe', '');
      return reply ? toEvent([reply[1], reply[2] ?? []]) : undefined;
    },
    async lastReceivedAt(source: EventSource): Promise<string | undefined> {
      const at = await call((client) => client.get(key('last', source)));
      return at ? new Date(Number(at)).toISOString() : undefined;
    },
    async read({ afterSeq, first, conversationId }: ReadQuery): Promise<StoredEvent[]> {
      const entries =
        conversationId === undefined
          ? await call((client) => READ_ALL.run<Entry[]>(client, [streamKey], [afterSeq > 0 ? `(${streamIdOfSeq(afterSeq)}` : '-', String(first)]))
          : await call((client) => READ_CONVERSATION.run<Entry[]>(client, [streamKey, key('conv', conversationId)], [String(afterSeq), String(first)]));
      return entries.map(toEvent);
    },
    async head(): Promise<number> {
      const id = await call((client) => client.get(headKey));
      return id ? seqOfStreamId(id) : 0;
    },
    async prune(receivedBeforeMs: number): Promise<number> {
      return call((client) => client.sendCommand(['XTRIM', streamKey, 'MINID', String(Math.floor(receivedBeforeMs))]) as Promise<number>);
    },
    watch(listener) {
      watchers.add(listener);
      if (!tailing && open) {
        tailing = true;
        follow().catch((error: unknown) => logger.error({ err: error }, 'event log live feed stopped'));
      }
      return () => {
        watchers.delete(listener);
      };
    },
    async close(): Promise<void> {
      if (!open) return;
      open = false;
      watchers.clear();
      // The blocking read would hold a QUIT for up to TAIL_BLOCK_MS: drop the connection instead.
      if (tail?.isOpen) tail.destroy();
    },
  };
}

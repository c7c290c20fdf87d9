// The event log's retention sweep, with vitest's fake clock: events older than
// EVENT_RETENTION_DAYS are deleted by the hourly sweep, newer ones stay, and 0 keeps all.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DixaCache } from '../../src/datasources/dixa/dixa-cache.js';
import { createGatewayEvents } from '../../src/events/index.js';
import { createLogger } from '../../src/logger.js';

const DAY = 24 * 60 * 60 * 1000;
let dir: string;
beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-01T00:00:00Z') });
  dir = mkdtempSync(join(tmpdir(), 'retention-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

function eventsWith(retentionDays: string) {
  const config = loadConfig({ DIXA_API_TOKEN: 't', DATA_DIR: dir, EVENT_RETENTION_DAYS: retentionDays, LOG_LEVEL: 'silent' });
  return createGatewayEvents(config, createLogger('silent'), DixaCache.inMemory(config.cache));
}

const event = (id: string, receivedAt: number) => ({
  eventId: id,
  rawType: 'CONVERSATION_CLOSED',
  conversationId: '1',
  occurredAt: new Date(receivedAt).toISOString(),
  receivedAt: new Date(receivedAt).toISOString(),
  subscriptionId: null,
  body: '{}',
});

it('deletes what is older than the retention at the next hourly sweep, and keeps the rest', async () => {
  const events = eventsWith('2');
  await events.log.append(event('old', Date.now()));
  vi.advanceTimersByTime(DAY);
  await events.log.append(event('new', Date.now()));
  await vi.advanceTimersByTimeAsync(DAY + 60 * 60 * 1000);
  const left = await events.log.read({ afterSeq: 0, first: 10 });
  expect(left.map((e) => e.eventId)).toEqual(['new']);
  await events.close();
});

it('keeps everything with EVENT_RETENTION_DAYS=0', async () => {
  const events = eventsWith('0');
  await events.log.append(event('old', Date.now()));
  await vi.advanceTimersByTimeAsync(400 * DAY);
  expect((await events.log.read({ afterSeq: 0, first: 10 })).map((e) => e.eventId)).toEqual(['old']);
  await events.close();
});

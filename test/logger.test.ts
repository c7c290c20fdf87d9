// Logs: human-readable lines (pino-pretty) for a terminal in development, JSON otherwise;
// secrets are redacted either way.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS, createLogger, prettyDestination, wantsPrettyLogs } from '../src/logger.js';

function sink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  return { lines, stream: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }) };
}

describe('logger', () => {
  it('is pretty only on a terminal outside production', () => {
    expect(wantsPrettyLogs(true, {})).toBe(true);
    expect(wantsPrettyLogs(true, { NODE_ENV: 'development' })).toBe(true);
    expect(wantsPrettyLogs(true, { NODE_ENV: 'production' })).toBe(false);
    expect(wantsPrettyLogs(false, {})).toBe(false);
  });

  it('pretty lines are readable and still redact secrets', () => {
    const out = sink();
    const logger = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, prettyDestination(out.stream)!);
    logger.info({ headers: { authorization: 'Bearer secret-key' }, token: 'dixa-token' }, 'gateway listening');
    const text = out.lines.join('');
    expect(text).toMatch(/INFO.*gateway listening/);
    expect(text).not.toMatch(/^\{/);
    expect(text).not.toMatch(/secret-key|dixa-token/);
    expect(text).toContain('[redacted]');
  });

  it('JSON lines when given a destination (tests, pipes)', () => {
    const out = sink();
    createLogger('info', out.stream).info({ authorization: 'Bearer k' }, 'hello');
    const line = JSON.parse(out.lines[0]!);
    expect(line).toMatchObject({ level: 30, msg: 'hello', authorization: '[redacted]', service: 'dixa-gateway' });
  });
});

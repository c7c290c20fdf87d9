// The process logger (pino). Secrets are redacted by path wherever they could appear:
// request headers, config objects and errors that carry them. A person at a terminal in
// development reads pino-pretty's lines; everywhere else (pipes, files, containers,
// NODE_ENV=production) the output is JSON lines for log collectors.
import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export const REDACT_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-dixa-token"]',
  '*.headers["x-dixa-token"]',
  'webhookSecret',
  '*.webhookSecret',
  'apiKeys',
  '*.apiKeys',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'dixa-gateway' } };
  if (destination) return pino(options, destination);
  const pretty = wantsPrettyLogs() ? prettyDestination() : undefined;
  return pretty ? pino(options, pretty) : pino(options);
}

/** Human-readable logs only for a terminal outside production. */
export function wantsPrettyLogs(stdoutIsTTY = process.stdout.isTTY === true, env: Record<string, string | undefined> = process.env): boolean {
  return stdoutIsTTY && env.NODE_ENV !== 'production';
}

/**
 * pino-pretty as a synchronous stream (no worker thread), to stdout or `destination`.
 * Undefined where it is not installed (a production install without dev dependencies):
 * the logs stay JSON.
 */
export function prettyDestination(destination?: NodeJS.WritableStream): pino.DestinationStream | undefined {
  let build: (options: Record<string, unknown>) => pino.DestinationStream;
  try {
    build = createRequire(import.meta.url)('pino-pretty') as typeof build;
  } catch {
    return undefined;
  }
  return build({
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    sync: true,
    ...(destination ? { destination } : {}),
  });
}

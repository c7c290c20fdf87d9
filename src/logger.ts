// The process logger (pino). Secrets are redacted by path wherever they could appear:
// request headers, config objects and errors that carry them.
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
  return destination ? pino(options, destination) : pino(options);
}

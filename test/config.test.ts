// Environment validation: defaults, demo mode, and one clear message per bad value.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has the documented defaults, and demo mode without a token', () => {
    const demo = loadConfig({});
    expect(demo).toMatchObject({ port: 4000, host: '127.0.0.1', demo: true, logLevel: 'info', dataDir: './data' });
    expect(demo.dixa).toMatchObject({ apiUrl: 'https://dev.dixa.io', apiVersion: 'v1', access: 'read-write', replyChannels: ['EMAIL', 'WIDGET_CHAT'], rateLimit: { perSecond: 10, burst: 4 }, tokenHeader: false });
    const real = loadConfig({ DIXA_API_TOKEN: '  abc.def  ' });
    expect(real.demo).toBe(false);
    expect(real.dixa.token).toBe('abc.def');
    expect(real.dixa.access).toBe('read-only');
  });

  it('reads every setting', () => {
    const c = loadConfig({
      PORT: '8080', HOST: '0.0.0.0', DIXA_API_TOKEN: 't', DIXA_API_URL: 'http://localhost:9/', DIXA_API_VERSION: 'beta', DIXA_ACCESS: 'read-write',
      DIXA_REPLY_CHANNELS: 'email, sms', DIXA_DEFAULT_AGENT_ID: '0E4D0EAD-DC69-470A-9B3A-E7EB16A56453', DIXA_RATE_LIMIT: '5/2', LOG_LEVEL: 'debug',
      DIXA_TOKEN_HEADER: 'true', DIXA_WEBHOOK_SECRET: 'ab12', GATEWAY_API_KEYS: 'k1, k2', DIXA_CACHE_TTL: 'conversation=5,search=0', CACHE_MAX_MB: '8',
    });
    expect(c.port).toBe(8080);
    expect(c.dixa.apiUrl).toBe('http://localhost:9');
    expect(c.dixa.apiVersion).toBe('beta');
    expect(c.dixa.replyChannels).toEqual(['EMAIL', 'SMS']);
    expect(c.dixa.rateLimit).toEqual({ perSecond: 5, burst: 2 });
    expect(c.apiKeys).toEqual(['k1', 'k2']);
    expect(c.cache.ttlSeconds.conversation).toBe(5);
    expect(c.cache.ttlSeconds.search).toBe(0);
    expect(c.cache.maxBytes).toBe(8 * 1024 * 1024);
  });

  it('reports every bad value at once, naming the variable, without echoing secrets', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        PORT: 'eighty', DIXA_API_TOKEN: 'abc def-secret', DIXA_API_VERSION: 'v2', DIXA_ACCESS: 'write', DIXA_REPLY_CHANNELS: 'EMAIL,FAX',
        DIXA_RATE_LIMIT: 'fast', LOG_LEVEL: 'loud', DIXA_API_URL: 'ftp://x', DIXA_DEFAULT_AGENT_ID: 'bob', DIXA_WEBHOOK_SECRET: 'not-hex-secret', DIXA_CACHE_TTL: 'foo=1',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.message;
    for (const name of ['PORT', 'DIXA_API_TOKEN', 'DIXA_API_VERSION', 'DIXA_ACCESS', 'DIXA_REPLY_CHANNELS', 'DIXA_RATE_LIMIT', 'LOG_LEVEL', 'DIXA_API_URL', 'DIXA_DEFAULT_AGENT_ID', 'DIXA_WEBHOOK_SECRET', 'DIXA_CACHE_TTL']) {
      expect(text).toContain(name);
    }
    expect(text).not.toContain('def-secret');
    expect(text).not.toContain('not-hex-secret');
  });
});

// How every Dixa status maps to a gateway error code (src/errors.ts), and Retry-After parsing.
import { describe, expect, it } from 'vitest';
import { errorFromDixa } from '../src/errors.js';
import { retryAfterSeconds } from '../src/datasources/dixa/transport.js';
import { isTransient, mayHaveBeenStored } from '../src/datasources/dixa/retry-policy.js';
import { CircuitOpenError, DuplicateExternalIdError, UnreadableAnswerError, UpstreamTimeoutError } from '../src/errors.js';

describe('errorFromDixa', () => {
  const map = (status: number, message?: string) => errorFromDixa({ status, message, operation: 'read conversation 7', retryAfterSeconds: 3 });

  it('maps each status to its contract code with a message that says what to do', () => {
    expect(map(401)).toMatchObject({ code: 'DIXA_AUTH_FAILED' });
    expect(map(401).message).toMatch(/copy it without spaces/);
    expect(map(403)).toMatchObject({ code: 'DIXA_FORBIDDEN', message: expect.stringContaining('read conversation 7') });
    expect(map(404)).toMatchObject({ code: 'NOT_FOUND' });
    expect(map(400, 'Queue does not exist')).toMatchObject({ code: 'BAD_USER_INPUT', message: 'Dixa refused to read conversation 7: Queue does not exist.' });
    expect(map(409, 'Conflict')).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(map(429)).toMatchObject({ code: 'RATE_LIMITED', extensions: { retryAfterSeconds: 3, dixaStatus: 429 } });
    for (const status of [500, 502, 503, 504, 418]) expect(map(status)).toMatchObject({ code: 'UPSTREAM_ERROR', extensions: { dixaStatus: status } });
  });

  it('recognises Dixa\'s duplicate externalId once, where the answer is read', () => {
    expect(map(400, 'Duplicate externalId abc')).toBeInstanceOf(DuplicateExternalIdError);
    expect(map(400, 'Queue does not exist')).not.toBeInstanceOf(DuplicateExternalIdError);
  });

  it('marks only 429 and 5xx (and timeouts and resets) as worth repeating', () => {
    expect([400, 401, 403, 404, 409, 429, 500, 502, 503, 504].filter((s) => isTransient(map(s)))).toEqual([429, 500, 502, 503, 504]);
  });
});

describe('mayHaveBeenStored', () => {
  it('is true where a write may have landed, false where Dixa or the gateway refused it', () => {
    const status = (s: number) => errorFromDixa({ status: s, message: undefined, operation: 'add a message' });
    expect([400, 401, 403, 409, 429, 500, 502, 503, 504].filter((s) => mayHaveBeenStored(status(s)))).toEqual([500, 502, 503, 504]);
    expect(mayHaveBeenStored(new UnreadableAnswerError('add a message', 200))).toBe(true);
    expect(mayHaveBeenStored(new UpstreamTimeoutError('add a message'))).toBe(true);
    expect(mayHaveBeenStored(new CircuitOpenError('add a message', 'Dixa has failed 8 times in a row', 5))).toBe(false);
    expect(mayHaveBeenStored(new Error('boom'))).toBe(false);
  });
});

describe('retryAfterSeconds', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterSeconds('7')).toBe(7);
    expect(retryAfterSeconds(undefined)).toBeUndefined();
    expect(retryAfterSeconds('soon')).toBeUndefined();
    const inTwo = new Date(Date.now() + 2_000).toUTCString();
    expect(retryAfterSeconds(inTwo)).toBeGreaterThanOrEqual(1);
    expect(retryAfterSeconds(inTwo)).toBeLessThanOrEqual(3);
  });
});

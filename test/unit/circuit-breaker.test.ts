// The circuit breaker on its own, with an injected clock: a failure-rate window, fail-fast
// while open, one probe when half-open, and a probe that never reached Dixa handing
// half-open back instead of sticking.
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/datasources/dixa/circuit-breaker.js';
import { CircuitOpenError } from '../../src/errors.js';

function setup(options: { threshold?: number; cooldownMs?: number; windowMs?: number } = {}) {
  let now = 1_000_000;
  const clock = { now: () => now };
  const breaker = new CircuitBreaker({ threshold: options.threshold ?? 4, cooldownMs: options.cooldownMs ?? 1000, windowMs: options.windowMs ?? 10_000, clock });
  const fail = () => breaker.failed('k', breaker.admit('k', 'read'));
  const succeed = () => breaker.succeeded('k', breaker.admit('k', 'read'));
  return { breaker, fail, succeed, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('opens after `threshold` failures in a row and fails fast with retryAfterSeconds', () => {
    const { breaker, fail } = setup();
    for (let i = 0; i < 3; i++) fail();
    expect(breaker.stateOf('k')).toBe('closed');
    fail();
    expect(breaker.stateOf('k')).toBe('open');
    expect(() => breaker.admit('k', 'read')).toThrow(CircuitOpenError);
    try {
      breaker.admit('k', 'read');
    } catch (error) {
      expect((error as CircuitOpenError).retryAfterSeconds).toBe(1);
    }
  });

  it('opens under mixed traffic: successes between failures do not reset it', () => {
    const { breaker, fail, succeed } = setup();
    for (let i = 0; i < 4; i++) {
      succeed();
      fail();
    }
    expect(breaker.stateOf('k')).toBe('open');
  });

  it('stays closed when failures are a small part of the traffic, and forgets failures older than the window', () => {
    const { breaker, fail, succeed } = setup();
    for (let i = 0; i < 4; i++) {
      fail();
      for (let j = 0; j < 3; j++) succeed();
    }
    expect(breaker.stateOf('k')).toBe('closed');
    const quiet = setup();
    for (let i = 0; i < 3; i++) quiet.fail();
    quiet.advance(11_000);
    quiet.fail();
    expect(quiet.breaker.stateOf('k')).toBe('closed');
  });

  it('half-open lets one probe through; its success closes the circuit, its failure reopens it', () => {
    const { breaker, fail, advance } = setup();
    for (let i = 0; i < 4; i++) fail();
    advance(1000);
    const probe = breaker.admit('k', 'read');
    expect(probe.probe).toBe(true);
    expect(() => breaker.admit('k', 'read')).toThrow(CircuitOpenError);
    breaker.failed('k', probe);
    expect(breaker.stateOf('k')).toBe('open');
    advance(1000);
    breaker.succeeded('k', breaker.admit('k', 'read'));
    expect(breaker.stateOf('k')).toBe('closed');
  });

  it('a probe cancelled before it reached Dixa hands half-open back: the next call probes', () => {
    const { breaker, fail, advance } = setup();
    for (let i = 0; i < 4; i++) fail();
    advance(1000);
    const probe = breaker.admit('k', 'read');
    breaker.abandoned('k', probe); // its caller gave up while it waited for a rate-limit slot
    const next = breaker.admit('k', 'read');
    expect(next.probe).toBe(true);
    breaker.succeeded('k', next);
    expect(breaker.stateOf('k')).toBe('closed');
  });

  it('a probe that never reports is given up after its lease', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 100, probeLeaseMs: 5000, clock: { now: () => now } });
    breaker.failed('k', breaker.admit('k', 'read'));
    now += 100;
    breaker.admit('k', 'read'); // lost: never reports
    expect(() => breaker.admit('k', 'read')).toThrow(CircuitOpenError);
    now += 5000;
    expect(breaker.admit('k', 'read').probe).toBe(true);
  });

  it('keeps no state for healthy tokens', () => {
    const { breaker, succeed } = setup();
    for (let i = 0; i < 100; i++) succeed();
    expect((breaker as unknown as { states: Map<string, unknown> }).states.size).toBe(0);
  });
});

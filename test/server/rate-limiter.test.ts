import { describe, expect, it } from 'vitest';
import { FixedWindowLimiter } from '../../src/server/rate-limiter.js';
import { resolveRateLimits } from '../../src/server/http-edge.js';

describe('FixedWindowLimiter', () => {
  it('allows the limit per window and tells how long to wait after it', () => {
    const limiter = new FixedWindowLimiter({ limit: 3, windowMs: 60_000 });
    expect([1, 2, 3].map(() => limiter.hit('a', 1_000).allowed)).toEqual([true, true, true]);
    expect(limiter.hit('a', 1_500)).toEqual({ allowed: false, retryAfterSeconds: 60, remaining: 0 });
    expect(limiter.hit('a', 40_200)).toMatchObject({ allowed: false, retryAfterSeconds: 21 });
    expect(limiter.hit('b', 40_200).allowed).toBe(true);
    expect(limiter.hit('a', 61_000)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('peeks without counting', () => {
    const limiter = new FixedWindowLimiter({ limit: 1, windowMs: 1_000 });
    expect(limiter.peek('a', 0).allowed).toBe(true);
    expect(limiter.peek('a', 0).allowed).toBe(true);
    limiter.hit('a', 0);
    expect(limiter.peek('a', 10)).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.peek('a', 1_000).allowed).toBe(true);
  });

  it('limits nothing at 0', () => {
    const limiter = new FixedWindowLimiter({ limit: 0, windowMs: 1_000 });
    for (let i = 0; i < 1_000; i += 1) expect(limiter.hit('a', 0).allowed).toBe(true);
    expect(limiter.size).toBe(0);
  });

  it('stays within its memory bound under a spray of addresses', () => {
    const limiter = new FixedWindowLimiter({ limit: 5, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 10_000; i += 1) limiter.hit(`10.0.${i >> 8}.${i & 255}`, i);
    expect(limiter.size).toBeLessThanOrEqual(100);
    // The newest addresses are still counted.
    for (let i = 0; i < 4; i += 1) limiter.hit('10.0.39.15', 10_000);
    expect(limiter.hit('10.0.39.15', 10_000).allowed).toBe(false);
  });
});

describe('resolveRateLimits', () => {
  it('keeps the defaults for what is not set and refuses nonsense', () => {
    expect(resolveRateLimits({ signIn: 5, perSource: undefined })).toEqual({ perSource: 600, signIn: 5, authFailures: 30, windowMs: 60_000 });
    expect(() => resolveRateLimits({ perSource: -1 })).toThrow(/perSource/);
    expect(() => resolveRateLimits({ signIn: 1.5 })).toThrow(/signIn/);
    expect(() => resolveRateLimits({ windowMs: 0 })).toThrow(/windowMs/);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, hashToken, randomToken } from '../../src/crypto/index.js';

describe('randomToken', () => {
  it('makes 32 random bytes as unpadded base64url by default', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('honours the requested size', () => {
    expect(Buffer.from(randomToken(16), 'base64url')).toHaveLength(16);
    expect(Buffer.from(randomToken(64), 'base64url')).toHaveLength(64);
  });

  it('never repeats itself in practice', () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => randomToken()));
    expect(tokens.size).toBe(1000);
  });

  it.each([0, -1, 1.5, Number.NaN, 4096])('rejects the size %s', (bytes) => {
    expect(() => randomToken(bytes)).toThrow(RangeError);
  });
});

describe('hashToken', () => {
  it('is the hex SHA-256 of the UTF-8 token, not the token', () => {
    const token = randomToken();
    const expected = createHash('sha256').update(Buffer.from(token, 'utf8')).digest('hex');
    expect(hashToken(token)).toBe(expected);
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(token)).not.toContain(token);
  });
});

describe('constantTimeEqual', () => {
  it('accepts equal strings', () => {
    const token = randomToken();
    expect(constantTimeEqual(token, `${token}`)).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('päss😀', 'päss😀')).toBe(true);
  });

  it('rejects strings that differ in content', () => {
    expect(constantTimeEqual('secret-a', 'secret-b')).toBe(false);
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false);
  });

  it('rejects strings of different length without throwing', () => {
    expect(constantTimeEqual('short', 'longer-secret')).toBe(false);
    expect(constantTimeEqual('', 'x')).toBe(false);
    // Same UTF-16 length, different UTF-8 length.
    expect(constantTimeEqual('é', 'e')).toBe(false);
  });
});

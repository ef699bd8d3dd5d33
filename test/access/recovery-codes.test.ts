import { describe, expect, it } from 'vitest';
import {
  RECOVERY_CODE_COUNT,
  generateRecoveryCodes,
  hashRecoveryCode,
  matchRecoveryCode,
  normalizeRecoveryCode,
} from '../../src/access/index.js';

describe('generateRecoveryCodes', () => {
  it('makes ten distinct codes of three dash-separated groups from an unambiguous alphabet', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
  });

  it('carries 60 bits per code: every one of the 32 symbols turns up', () => {
    const symbols = new Set(generateRecoveryCodes(200).join('').replaceAll('-', ''));
    expect(symbols.size).toBe(32);
    expect([...symbols].some((char) => 'ilou'.includes(char))).toBe(false);
  });
});

describe('normalizeRecoveryCode', () => {
  it('ignores case, spaces and dashes, and reads lookalike letters as digits', () => {
    expect(normalizeRecoveryCode('7K2M-Q9X4-H3TP')).toBe('7k2mq9x4h3tp');
    expect(normalizeRecoveryCode(' 7k2m q9x4 h3tp ')).toBe('7k2mq9x4h3tp');
    expect(normalizeRecoveryCode('0o1l-i000-0000')).toBe('001110000000');
  });

  it('returns null for anything that cannot be a code', () => {
    for (const bad of ['', '7k2m-q9x4-h3t', '7k2m-q9x4-h3tpp', '7k2m-q9x4-h3tu', '7k2m_q9x4_h3tp', 'ĸk2m-q9x4-h3tp']) {
      expect(normalizeRecoveryCode(bad), bad).toBeNull();
    }
  });
});

describe('hashRecoveryCode and matchRecoveryCode', () => {
  it('stores a hex SHA-256 of the canonical form, never the code', () => {
    const [code] = generateRecoveryCodes(1);
    const hash = hashRecoveryCode(code!);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(code!.replaceAll('-', ''));
    expect(hashRecoveryCode(code!.toUpperCase().replaceAll('-', ' '))).toBe(hash);
  });

  it('refuses to hash something that is not a code', () => {
    expect(() => hashRecoveryCode('not a code')).toThrow(RangeError);
  });

  it('finds the index of the code typed, however it is typed', () => {
    const codes = generateRecoveryCodes();
    const hashes = codes.map(hashRecoveryCode);
    codes.forEach((code, index) => expect(matchRecoveryCode(hashes, code)).toBe(index));
    expect(matchRecoveryCode(hashes, codes[3]!.toUpperCase().replaceAll('-', ''))).toBe(3);
  });

  it('returns -1 for an unknown, malformed or already struck-out code', () => {
    const codes = generateRecoveryCodes();
    const hashes = codes.map(hashRecoveryCode);
    const [other] = generateRecoveryCodes(1);
    expect(matchRecoveryCode(hashes, other!)).toBe(-1);
    expect(matchRecoveryCode(hashes, 'garbage')).toBe(-1);
    expect(matchRecoveryCode(hashes, '')).toBe(-1);
    // Single use: the caller removes the hash once the code is spent.
    const remaining = hashes.filter((_, index) => index !== 0);
    expect(matchRecoveryCode(remaining, codes[0]!)).toBe(-1);
  });
});

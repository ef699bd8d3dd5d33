import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Base32Error,
  TOTP_SECRET_BYTES,
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  otpauthUri,
  totpAt,
  totpStep,
  verifyTotp,
} from '../../src/access/index.js';

// RFC 4226 Appendix D and RFC 6238 Appendix B share this SHA-1 secret.
const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');
const STEP_MS = 30_000;
const NOW = 1_700_000_000_000;

describe('hotp', () => {
  it('matches the RFC 4226 Appendix D test values', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => expect(hotp(RFC_SECRET, counter)).toBe(code));
  });

  it('refuses negative or fractional counters and unsupported digit counts', () => {
    expect(() => hotp(RFC_SECRET, -1)).toThrow(RangeError);
    expect(() => hotp(RFC_SECRET, 1.5)).toThrow(RangeError);
    expect(() => hotp(RFC_SECRET, 0, 5)).toThrow(RangeError);
    expect(() => hotp(RFC_SECRET, 0, 9)).toThrow(RangeError);
  });
});

describe('totpAt', () => {
  it('matches the RFC 6238 Appendix B SHA-1 test values (8 digits)', () => {
    const vectors: [seconds: number, code: string][] = [
      [59, '94287082'],
      [1_111_111_109, '07081804'],
      [1_111_111_111, '14050471'],
      [1_234_567_890, '89005924'],
      [2_000_000_000, '69279037'],
      [20_000_000_000, '65353130'],
    ];
    for (const [seconds, code] of vectors) expect(totpAt(RFC_SECRET, seconds * 1000, 8)).toBe(code);
  });

  it('gives 6-digit codes by default, the last six digits of the 8-digit value', () => {
    expect(totpAt(RFC_SECRET, 59_000)).toBe('287082');
    expect(totpStep(59_000)).toBe(1);
  });
});

describe('verifyTotp', () => {
  const secret = Buffer.from('forgeline-test-secret', 'ascii');
  const step = totpStep(NOW);

  it('accepts the current code and returns its step', () => {
    expect(verifyTotp(secret, totpAt(secret, NOW), NOW, null)).toEqual({ ok: true, step });
  });

  it('accepts one step either side for clock drift, and no further', () => {
    expect(verifyTotp(secret, totpAt(secret, NOW - STEP_MS), NOW, null)).toEqual({ ok: true, step: step - 1 });
    expect(verifyTotp(secret, totpAt(secret, NOW + STEP_MS), NOW, null)).toEqual({ ok: true, step: step + 1 });
    expect(verifyTotp(secret, totpAt(secret, NOW - 2 * STEP_MS), NOW, null)).toEqual({ ok: false });
    expect(verifyTotp(secret, totpAt(secret, NOW + 2 * STEP_MS), NOW, null)).toEqual({ ok: false });
  });

  it('accepts each code once: the same code again is refused', () => {
    const code = totpAt(secret, NOW);
    const first = verifyTotp(secret, code, NOW, null);
    expect(first.ok).toBe(true);
    const lastUsed = first.ok ? first.step : null;
    expect(verifyTotp(secret, code, NOW + 1000, lastUsed)).toEqual({ ok: false });
  });

  it('refuses an older code once a newer one was used', () => {
    expect(verifyTotp(secret, totpAt(secret, NOW - STEP_MS), NOW, step)).toEqual({ ok: false });
    expect(verifyTotp(secret, totpAt(secret, NOW + STEP_MS), NOW, step)).toEqual({ ok: true, step: step + 1 });
  });

  it('refuses a wrong code', () => {
    const right = totpAt(secret, NOW);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect(verifyTotp(secret, wrong, NOW, null)).toEqual({ ok: false });
    expect(verifyTotp(Buffer.from('another-secret'), right, NOW, null)).toEqual({ ok: false });
  });

  it('refuses codes that are not exactly six ASCII digits', () => {
    const code = totpAt(secret, NOW);
    const malformed = ['', '12345', '1234567', `${code}\n`, ` ${code}`, `${code.slice(0, 3)} ${code.slice(3)}`, 'abcdef', '١٢٣٤٥٦', '１２３４５６', '12345e', '+12345'];
    for (const input of malformed) expect(verifyTotp(secret, input, NOW, null), JSON.stringify(input)).toEqual({ ok: false });
  });
});

describe('base32', () => {
  it('encodes the RFC 4648 §10 test vectors without padding', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Decode(encoded).toString()).toBe(plain);
    }
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(base32Decode(base32Encode(bytes))).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it('decodes lowercase, spaced and padded text as people copy it', () => {
    expect(base32Decode('mzxw 6ytb oi').toString()).toBe('foobar');
    expect(base32Decode('MZXW6YTBOI======').toString()).toBe('foobar');
    expect(base32Decode('my======').toString()).toBe('f');
  });

  it('refuses foreign characters, impossible lengths, bad padding and non-zero trailing bits', () => {
    for (const bad of ['MZXW1', 'MZXW8', 'M', 'MZX', 'MZXW6Y', 'MY=', 'MY==MY==', 'MZ', 'MZXW6YTBOJ', 'ß', 'MZXW6-YTBOI']) {
      expect(() => base32Decode(bad), bad).toThrow(Base32Error);
    }
  });
});

describe('generateTotpSecret', () => {
  it('makes distinct 160-bit secrets', () => {
    const a = generateTotpSecret();
    expect(a).toHaveLength(TOTP_SECRET_BYTES);
    expect(a.equals(generateTotpSecret())).toBe(false);
  });
});

describe('otpauthUri', () => {
  it('follows the Key Uri Format', () => {
    const uri = otpauthUri({ issuer: 'Forgeline', account: 'alice', secret: Buffer.from('foobar') });
    expect(uri).toBe('otpauth://totp/Forgeline:alice?secret=MZXW6YTBOI&issuer=Forgeline&algorithm=SHA1&digits=6&period=30');
  });

  it('percent-encodes spaces as %20 and reserved characters in the label and issuer', () => {
    const uri = otpauthUri({ issuer: 'ACME Plant (Nord) & Co', account: 'jo.müller+qa@example.com', secret: Buffer.from('f') });
    expect(uri).toBe(
      'otpauth://totp/ACME%20Plant%20%28Nord%29%20%26%20Co:jo.m%C3%BCller%2Bqa%40example.com' +
        '?secret=MY&issuer=ACME%20Plant%20%28Nord%29%20%26%20Co&algorithm=SHA1&digits=6&period=30',
    );
    const parsed = new URL(uri);
    expect(parsed.searchParams.get('issuer')).toBe('ACME Plant (Nord) & Co');
  });

  it('refuses an empty or colon-bearing issuer or account', () => {
    const secret = generateTotpSecret();
    expect(() => otpauthUri({ issuer: '', account: 'alice', secret })).toThrow(RangeError);
    expect(() => otpauthUri({ issuer: 'Forgeline', account: 'a:b', secret })).toThrow(RangeError);
  });
});

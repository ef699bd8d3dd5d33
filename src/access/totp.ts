/**
 * Time-based one-time passwords (RFC 6238) over HOTP (RFC 4226) with the
 * parameters every authenticator app supports: HMAC-SHA1, 6 digits, 30 s steps.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Digits in a code; RFC 4226 §5.3 asks at least 6. */
export const TOTP_DIGITS = 6;
/** Length of one time step in seconds (RFC 6238 §5.2 recommends 30). */
export const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted either side of the current one, for clock drift and typing time (RFC 6238 §5.2). */
export const TOTP_WINDOW_STEPS = 1;
/** Secret size: 160 bits, the HMAC-SHA1 output length RFC 4226 §4 R6 recommends. */
export const TOTP_SECRET_BYTES = 20;

/** Outcome of `verifyTotp`: the matched step is stored by the caller so the code is accepted once. */
export type TotpVerification = { readonly ok: true; readonly step: number } | { readonly ok: false };

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const CODE_PATTERN = new RegExp(`^[0-9]{${TOTP_DIGITS}}$`);

/** Raised by `base32Decode` for text that is not RFC 4648 base32. */
export class Base32Error extends Error {
  override readonly name = 'Base32Error';
}

/** A fresh TOTP shared secret from the OS CSPRNG. */
export function generateTotpSecret(): Buffer {
  return randomBytes(TOTP_SECRET_BYTES);
}

/** RFC 4648 §6 base32 without padding, the form authenticator apps expect in `secret=`. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes RFC 4648 base32, tolerating lowercase, whitespace and correct
 * padding (as people copy secrets), and refusing anything else: foreign
 * characters, impossible lengths, non-zero trailing bits.
 */
export function base32Decode(text: string): Buffer {
  // Only ASCII is upper-cased: toUpperCase would turn 'ß' into 'SS' and 'ı' into 'I'.
  let body = text.replace(/\s+/g, '').replace(/[a-z]/g, (char) => char.toUpperCase());
  const padded = body.replace(/=+$/, '');
  if (padded.length !== body.length && body.length % 8 !== 0) throw new Base32Error('base32 padding is wrong');
  body = padded;
  // 1, 3 and 6 leftover characters cannot come from whole bytes (RFC 4648 §6).
  if ([1, 3, 6].includes(body.length % 8)) throw new Base32Error('base32 text has an impossible length');
  const out = Buffer.alloc(Math.floor((body.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of body) {
    const value = BASE32_ALPHABET.indexOf(char);
    if (value < 0) throw new Base32Error('base32 text has a character outside the alphabet');
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
  }
  // Canonical encodings leave the unused low bits zero; anything else is a different text for the same bytes.
  if ((buffer & ((1 << bits) - 1)) !== 0) throw new Base32Error('base32 text has non-zero trailing bits');
  return out;
}

/** HOTP value for `counter` (RFC 4226 §5.3), zero-padded to `digits` (6 to 8). */
export function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError(`HOTP counter must be a non-negative integer, got ${counter}`);
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) throw new RangeError(`HOTP digits must be 6 to 8, got ${digits}`);
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(message).digest();
  // Dynamic truncation (RFC 4226 §5.4): 31 bits from the offset named by the last nibble.
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** Time step T of RFC 6238 §4.2 for a Unix time in milliseconds (T0 = 0). */
export function totpStep(timeMs: number): number {
  return Math.floor(timeMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The TOTP code at `timeMs` (RFC 6238 §4.2); `digits` other than 6 is for test vectors. */
export function totpAt(secret: Uint8Array, timeMs: number, digits = TOTP_DIGITS): string {
  return hotp(secret, totpStep(timeMs), digits);
}

/**
 * Checks a 6-digit code against the steps around `timeMs`. Steps at or before
 * `lastUsedStep` are refused, so each code is accepted once (RFC 6238 §5.2);
 * on success the caller stores the returned step as the new `lastUsedStep`.
 */
export function verifyTotp(secret: Uint8Array, code: string, timeMs: number, lastUsedStep: number | null): TotpVerification {
  if (!CODE_PATTERN.test(code)) return { ok: false };
  const given = Buffer.from(code, 'ascii');
  const current = totpStep(timeMs);
  let matched: number | null = null;
  // Every candidate is compared, so the time taken does not tell which step matched.
  for (let step = current - TOTP_WINDOW_STEPS; step <= current + TOTP_WINDOW_STEPS; step++) {
    if (step < 0 || (lastUsedStep !== null && step <= lastUsedStep)) continue;
    const expected = Buffer.from(hotp(secret, step), 'ascii');
    if (timingSafeEqual(expected, given)) matched = step;
  }
  return matched === null ? { ok: false } : { ok: true, step: matched };
}

/** What an authenticator app needs to enrol: who issues, for which account, which secret. */
export interface OtpauthUriInput {
  readonly issuer: string;
  readonly account: string;
  readonly secret: Uint8Array;
}

/**
 * The `otpauth://totp/...` URI of the Key Uri Format (Google Authenticator
 * wiki), usually shown as a QR code. Issuer and account may not contain a colon.
 */
export function otpauthUri({ issuer, account, secret }: OtpauthUriInput): string {
  for (const [name, value] of [['issuer', issuer], ['account', account]] as const) {
    if (value.length === 0 || value.includes(':')) throw new RangeError(`otpauth ${name} must be non-empty and without a colon`);
  }
  const label = `${encodeUriPart(issuer)}:${encodeUriPart(account)}`;
  const query = [
    `secret=${base32Encode(secret)}`,
    `issuer=${encodeUriPart(issuer)}`,
    'algorithm=SHA1',
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

// encodeURIComponent leaves !'()* alone; they are reserved in RFC 3986, and spaces must be %20, never '+'.
function encodeUriPart(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

import { z } from 'zod';

/**
 * Zod building blocks for text that crosses a trust boundary. They refuse the
 * characters that make two strings look alike or render misleadingly: control
 * characters, bidirectional overrides (Trojan Source, CVE-2021-42574), lone
 * surrogates and non-characters; text is compared in Unicode NFC.
 */

// C0/C1 controls except tab and newline, bidi embeddings/overrides/isolates, BOM, zero-width joiners used to spoof.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_TEXT = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF\uFFFE\uFFFF]/u;
const LONE_SURROGATE = /\p{Surrogate}/u;

function isCleanText(value: string): boolean {
  return !FORBIDDEN_IN_TEXT.test(value) && !LONE_SURROGATE.test(value) && value === value.normalize('NFC');
}

/** Free text (names, descriptions, notes): 1..max characters, clean, trimmed by the caller's choice. */
export function text(max: number, min = 1) {
  return z
    .string()
    .min(min)
    .max(max)
    .refine(isCleanText, { message: 'contains control, bidirectional or non-NFC characters' });
}

/** A code as plants write them (order numbers, item codes, work-center codes): ASCII letters, digits, . _ - / */
export function code(max = 64) {
  return z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/, 'letters, digits and . _ - / only, starting with a letter or digit');
}

/** An identifier issued by Forgeline (UUID). */
export const idSchema = z.string().uuid('must be a Forgeline id (UUID)');

/** An RFC 3339 timestamp with an explicit offset. */
export const timestampSchema = z.string().datetime({ offset: true, message: 'must be an RFC 3339 timestamp' });

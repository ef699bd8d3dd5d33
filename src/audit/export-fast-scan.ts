/**
 * The canonical-JSON scanner behind the verifier's fast path (export-fast-entry.ts): it reads an
 * entry's `fields` text as UTF-16 code units from a typed array (several times faster to walk than
 * the string) and accepts only what canonicalJson (RFC 8785) writes back unchanged, with an audit
 * entry's members in order: anything else, wrong or merely unusual (other member order,
 * whitespace, fractions, escapes JSON.stringify does not write, deep nesting), is -1, "not
 * proven", and goes to the exact path. Pure.
 */
import { endianness } from 'node:os';
import { exportEntryFieldsSchema } from './export-format.js';

/** The UTF-16 code units of an ASCII text. */
export const codes = (text: string): Uint16Array => Uint16Array.from(text, (c) => c.charCodeAt(0));

// More digits could leave the safe-integer range; such numbers are the exact path's.
const MAX_INTEGER_DIGITS = 15;
const MAX_DEPTH = 64;

const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_9 = 0x39;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const LOWER_A = 0x61;
const LOWER_F = 0x66;
const LOWER_U = 0x75;
const ASCII_END = 0x80;
const HIGH_SURROGATE = 0xd800;
const LOW_SURROGATE = 0xdc00;
const SURROGATE_END = 0xdfff;
// The escapes JSON.stringify (so RFC 8785) writes with one letter: \" \\ \b \f \n \r \t.
const SHORT_ESCAPES = new Set([QUOTE, BACKSLASH, 0x62, 0x66, 0x6e, 0x72, 0x74]);
// Control characters it writes as those letters, never as \u00xx.
const SHORT_ESCAPED_CONTROLS = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);
const NULL = codes('null');
const TRUE = codes('true');
const FALSE = codes('false');

/** A member's fixed text (`,"name":`) as pairs of code units, read two at a time, and the odd last one (or -1). */
interface Head {
  readonly pairs: Uint32Array;
  readonly last: number;
  readonly length: number;
}
/** The {@link Head} of an ASCII text. */
function head(text: string): Head {
  const units = codes(text);
  const pairs = new Uint32Array(units.length >> 1).map((_, k) => (units[2 * k] as number) | ((units[2 * k + 1] as number) << 16));
  return { pairs, last: units.length % 2 === 1 ? (units[units.length - 1] as number) : -1, length: units.length };
}

/** True when the code units at `at` are `expected`: unaligned 32-bit reads, half the work of one unit at a time. */
function matchesHead(u: Uint16Array, view: DataView, at: number, expected: Head): boolean {
  const pairs = expected.pairs;
  // Never past the 0 after the text: the read that holds it differs, and ends the loop.
  for (let k = 0; k < pairs.length; k += 1) if (view.getUint32(2 * (at + 2 * k), true) !== pairs[k]) return false;
  return expected.last < 0 || u[at + 2 * pairs.length] === expected.last;
}

type FieldKind = 'text' | 'nullable-text' | 'object' | 'index' | 'nullable-integer';
const KINDS: Readonly<Record<string, FieldKind>> = {
  actor: 'text', actorId: 'nullable-text', at: 'text', detail: 'object', hashAfter: 'nullable-text', hashBefore: 'nullable-text',
  idx: 'index', kind: 'text', orderId: 'nullable-text', outcome: 'text', revision: 'nullable-integer', source: 'nullable-text',
};
// The schema's members in its (canonical) order, each with what its value must be: at least as
// strict as exportEntryFieldsSchema. Should the two drift apart, or the machine read UTF-16 code
// units in another byte order than Buffer writes them, the fast path turns itself off.
const SCHEMA_KEYS = Object.keys(exportEntryFieldsSchema.shape);
const MEMBERS: readonly { readonly head: Head; readonly kind: FieldKind }[] | undefined =
  endianness() === 'LE' && SCHEMA_KEYS.length === Object.keys(KINDS).length &&
  SCHEMA_KEYS.every((key, i) => KINDS[key] !== undefined && (i === 0 || (SCHEMA_KEYS[i - 1] as string) < key))
    ? SCHEMA_KEYS.map((key, i) => ({ head: head(`${i === 0 ? '{' : ','}"${key}":`), kind: KINDS[key] as FieldKind }))
    : undefined;

const isDigit = (c: number): boolean => c >= DIGIT_0 && c <= DIGIT_9;

/** True when the code units at `at` are `expected`. */
export function matches(u: Uint16Array, at: number, expected: Uint16Array): boolean {
  for (let k = 0; k < expected.length; k += 1) if (u[at + k] !== expected[k]) return false;
  return true;
}

// What the string scanner must look at more closely: the quote, the backslash, control characters
// and anything past ASCII (a surrogate must be half of a pair, and the UTF-8 bytes are no longer
// the code units' low bytes). One lookup per character keeps the common run of printable ASCII cheap.
const SPECIAL = new Uint8Array(0x10000).fill(1).fill(0, 0x20, ASCII_END);
SPECIAL[QUOTE] = 1;
SPECIAL[BACKSLASH] = 1;
// Set by scanString on a character past ASCII: the UTF-8 bytes are then not the code units' low bytes.
// Module state, reset by each scanEntryFields: the scanners run to completion, never interleaved.
let pastAscii = false;

/** The end of the string starting at `at` (its opening quote), in JSON.stringify's escaping; -1 if not. */
function scanString(u: Uint16Array, at: number, escapes: boolean): number {
  if (u[at] !== QUOTE) return -1;
  // The line ends in a 0 (a control character, refused here), so no loop runs past it.
  for (let i = at + 1; ; i += 1) {
    let c = u[i] as number;
    while (SPECIAL[c] === 0) c = u[(i += 1)] as number;
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      if (!escapes) return -1;
      const e = u[i + 1] as number;
      if (SHORT_ESCAPES.has(e)) {
        i += 1;
        continue;
      }
      // \u00xx, lowercase, only for a control character without a short escape.
      if (e !== LOWER_U || u[i + 2] !== DIGIT_0 || u[i + 3] !== DIGIT_0) return -1;
      const high = u[i + 4] as number;
      const low = u[i + 5] as number;
      const lowValue = isDigit(low) ? low - DIGIT_0 : low >= LOWER_A && low <= LOWER_F ? low - LOWER_A + 10 : -1;
      if ((high !== DIGIT_0 && high !== DIGIT_1) || lowValue < 0 || SHORT_ESCAPED_CONTROLS.has((high - DIGIT_0) * 16 + lowValue)) return -1;
      i += 5;
      continue;
    }
    pastAscii = true;
    if (c >= HIGH_SURROGATE && c <= SURROGATE_END) {
      // Only whole pairs: a lone surrogate has no canonical form.
      const next = u[i + 1] as number;
      if (c >= LOW_SURROGATE || !(next >= LOW_SURROGATE && next <= SURROGATE_END)) return -1;
      i += 1;
    }
  }
}

/** The end of the integer at `at` written as Number#toString writes it (no -0, 15 digits at most); -1 if not. */
export function scanInteger(u: Uint16Array, at: number): number {
  const start = u[at] === MINUS ? at + 1 : at;
  const first = u[start] as number;
  if (first === DIGIT_0) return start === at ? at + 1 : -1;
  if (!isDigit(first)) return -1;
  let i = start + 1;
  while (isDigit(u[i] as number)) i += 1;
  return i - start > MAX_INTEGER_DIGITS ? -1 : i;
}

/** The value of the digits from `at` to `end` (at most 15 of them, so exact). */
export function digitsValue(u: Uint16Array, at: number, end: number): number {
  let value = 0;
  for (let i = at; i < end; i += 1) value = value * 10 + ((u[i] as number) - DIGIT_0);
  return value;
}

/** The end of the canonical JSON value at `at`, or -1: a fraction, an exponent or anything not canonical is -1. */
function scanValue(u: Uint16Array, at: number, depth: number): number {
  const c = u[at] as number;
  if (c === QUOTE) return scanString(u, at, true);
  if (c === OPEN_BRACE) return scanObject(u, at, depth + 1);
  if (c === OPEN_BRACKET) return scanArray(u, at, depth + 1);
  if (c === MINUS || isDigit(c)) return scanInteger(u, at);
  if (matches(u, at, NULL) || matches(u, at, TRUE)) return at + 4;
  if (matches(u, at, FALSE)) return at + 5;
  return -1;
}

/** True when the key from `a` to `aEnd` is before the key from `b` to `bEnd` in UTF-16 code-unit order. */
function keyBefore(u: Uint16Array, a: number, aEnd: number, b: number, bEnd: number): boolean {
  const aLength = aEnd - a;
  const bLength = bEnd - b;
  const common = Math.min(aLength, bLength);
  for (let k = 0; k < common; k += 1) {
    const x = u[a + k] as number;
    const y = u[b + k] as number;
    if (x !== y) return x < y;
  }
  return aLength < bLength;
}

/** An object whose member names, unescaped, rise strictly in UTF-16 code units (the canonical order, no duplicates). */
function scanObject(u: Uint16Array, at: number, depth: number): number {
  if (depth > MAX_DEPTH) return -1;
  if (u[at + 1] === CLOSE_BRACE) return at + 2;
  let previous = -1;
  let previousEnd = -1;
  let i = at;
  for (;;) {
    const keyEnd = scanString(u, i + 1, false);
    if (keyEnd < 0 || u[keyEnd] !== COLON) return -1;
    // The key's characters, without its quotes.
    if (previous >= 0 && !keyBefore(u, previous, previousEnd, i + 2, keyEnd - 1)) return -1;
    previous = i + 2;
    previousEnd = keyEnd - 1;
    i = scanValue(u, keyEnd + 1, depth);
    if (i < 0) return -1;
    const c = u[i];
    if (c === CLOSE_BRACE) return i + 1;
    if (c !== COMMA || u[i + 1] !== QUOTE) return -1;
  }
}

function scanArray(u: Uint16Array, at: number, depth: number): number {
  if (depth > MAX_DEPTH) return -1;
  if (u[at + 1] === CLOSE_BRACKET) return at + 2;
  let i = at + 1;
  for (;;) {
    i = scanValue(u, i, depth);
    if (i < 0) return -1;
    const c = u[i];
    if (c === CLOSE_BRACKET) return i + 1;
    if (c !== COMMA) return -1;
    i += 1;
  }
}

/** The end of one member value of the kind `kind` at `at`, or -1. */
function scanMember(u: Uint16Array, at: number, kind: FieldKind, index: number): number {
  const c = u[at];
  switch (kind) {
    case 'text':
      return c === QUOTE ? scanString(u, at, true) : -1;
    case 'nullable-text':
      return c === QUOTE ? scanString(u, at, true) : matches(u, at, NULL) ? at + 4 : -1;
    case 'object':
      return c === OPEN_BRACE ? scanObject(u, at, 1) : -1;
    case 'nullable-integer':
      return matches(u, at, NULL) ? at + 4 : scanInteger(u, at);
    case 'index': {
      const end = scanInteger(u, at);
      // Digits only (not negative), and the number the line is at.
      return end > at && c !== MINUS && digitsValue(u, at, end) === index ? end : -1;
    }
  }
}

/** False when the scanners cannot be trusted here (see MEMBERS); the fast path is then off. */
export const FAST_SCAN_ENABLED = MEMBERS !== undefined;

/**
 * The end of the fields object at `at` when its code units are proven to be the canonical JSON
 * (RFC 8785) of an object passing exportEntryFieldsSchema whose `idx` is `index`, i.e. for that
 * text t, canonicalJson(JSON.parse(t)) === t; -1 otherwise. `u` holds a 0 after its last code
 * unit, and a few more, for the scanners to stop at; `view` is a DataView of the same bytes.
 */
export function scanEntryFields(u: Uint16Array, view: DataView, at: number, index: number): number {
  pastAscii = false;
  if (MEMBERS === undefined) return -1;
  let i = at;
  for (const { head, kind } of MEMBERS) {
    if (!matchesHead(u, view, i, head)) return -1;
    i = scanMember(u, i + head.length, kind, index);
    if (i < 0) return -1;
  }
  return u[i] === CLOSE_BRACE ? i + 1 : -1;
}

/** True when the fields that scanEntryFields last proved hold a character past ASCII. */
export function scannedPastAscii(): boolean {
  return pastAscii;
}


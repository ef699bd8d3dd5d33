/**
 * The verifier's fast path for an entry line exactly as formatExportLine writes it:
 * `{"type":"entry","index":N,"leaf":"<base64>","fields":<canonical JSON>}`. Instead of parsing the
 * whole line, re-serializing its fields and running zod, it proves the same facts on the raw text:
 * the `fields` text, verbatim, is the decoded leaf (its UTF-8 bytes re-encoded are `leaf`); that
 * text is in RFC 8785 canonical form (a strict scanner accepts only JSON that canonicalJson writes
 * back unchanged); and its members are an audit entry's, in order, with `idx` equal to `index`.
 * It only ever answers "proven, here are the leaf bytes" or "not proven": anything else, wrong or
 * merely unusual (other member order, whitespace, fractions, escapes it does not write, deep
 * nesting), goes to the exact path, which gives the verdict and its message. Pure.
 */
import { exportEntryFieldsSchema } from './export-format.js';

const PREFIX = '{"type":"entry","index":';
const LEAF = ',"leaf":"';
const FIELDS = '","fields":';
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
const HIGH_SURROGATE = 0xd800;
const LOW_SURROGATE = 0xdc00;
const SURROGATE_END = 0xdfff;
// The escapes JSON.stringify (so RFC 8785) writes with one letter: \" \\ \b \f \n \r \t.
const SHORT_ESCAPES = new Set([QUOTE, BACKSLASH, 0x62, 0x66, 0x6e, 0x72, 0x74]);
// Control characters it writes as those letters, never as \u00xx.
const SHORT_ESCAPED_CONTROLS = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

type FieldKind = 'text' | 'nullable-text' | 'object' | 'index' | 'nullable-integer';
const KINDS: Readonly<Record<string, FieldKind>> = {
  actor: 'text', actorId: 'nullable-text', at: 'text', detail: 'object', hashAfter: 'nullable-text', hashBefore: 'nullable-text',
  idx: 'index', kind: 'text', orderId: 'nullable-text', outcome: 'text', revision: 'nullable-integer', source: 'nullable-text',
};
// The schema's members in its (canonical) order, each with what its value must be: at least as
// strict as exportEntryFieldsSchema. Should the two drift apart, the fast path turns itself off.
const SCHEMA_KEYS = Object.keys(exportEntryFieldsSchema.shape);
const MEMBERS: readonly { readonly head: string; readonly kind: FieldKind }[] | undefined =
  SCHEMA_KEYS.every((key, i) => KINDS[key] !== undefined && (i === 0 || (SCHEMA_KEYS[i - 1] as string) < key)) && SCHEMA_KEYS.length === Object.keys(KINDS).length
    ? SCHEMA_KEYS.map((key, i) => ({ head: `${i === 0 ? '{' : ','}"${key}":`, kind: KINDS[key] as FieldKind }))
    : undefined;

const isDigit = (c: number): boolean => c >= DIGIT_0 && c <= DIGIT_9;

/** The end of the string starting at `at` (its opening quote), in JSON.stringify's escaping; -1 if not. */
function scanString(t: string, at: number, escapes: boolean): number {
  if (t.charCodeAt(at) !== QUOTE) return -1;
  for (let i = at + 1; i < t.length; i += 1) {
    const c = t.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      if (!escapes) return -1;
      const e = t.charCodeAt(i + 1);
      if (SHORT_ESCAPES.has(e)) {
        i += 1;
        continue;
      }
      // \u00xx, lowercase, only for a control character without a short escape.
      if (e !== LOWER_U || t.charCodeAt(i + 2) !== DIGIT_0 || t.charCodeAt(i + 3) !== DIGIT_0) return -1;
      const high = t.charCodeAt(i + 4);
      const low = t.charCodeAt(i + 5);
      const lowValue = isDigit(low) ? low - DIGIT_0 : low >= LOWER_A && low <= LOWER_F ? low - LOWER_A + 10 : -1;
      if ((high !== DIGIT_0 && high !== DIGIT_1) || lowValue < 0 || SHORT_ESCAPED_CONTROLS.has((high - DIGIT_0) * 16 + lowValue)) return -1;
      i += 5;
    } else if (c >= HIGH_SURROGATE && c <= SURROGATE_END) {
      // Only whole pairs: a lone surrogate has no canonical form.
      const next = t.charCodeAt(i + 1);
      if (c >= LOW_SURROGATE || !(next >= LOW_SURROGATE && next <= SURROGATE_END)) return -1;
      i += 1;
    }
  }
  return -1;
}

/** The end of the integer at `at` written as Number#toString writes it (no -0, 15 digits at most); -1 if not. */
function scanInteger(t: string, at: number): number {
  const start = t.charCodeAt(at) === MINUS ? at + 1 : at;
  const first = t.charCodeAt(start);
  if (first === DIGIT_0) return start === at ? at + 1 : -1;
  if (!isDigit(first)) return -1;
  let i = start + 1;
  while (isDigit(t.charCodeAt(i))) i += 1;
  return i - start > MAX_INTEGER_DIGITS ? -1 : i;
}

/** The end of the canonical JSON value at `at`, or -1: a fraction, an exponent or anything not canonical is -1. */
function scanValue(t: string, at: number, depth: number): number {
  const c = t.charCodeAt(at);
  if (c === QUOTE) return scanString(t, at, true);
  if (c === OPEN_BRACE) return scanObject(t, at, depth + 1);
  if (c === OPEN_BRACKET) return scanArray(t, at, depth + 1);
  if (c === MINUS || isDigit(c)) return scanInteger(t, at);
  if (t.startsWith('null', at) || t.startsWith('true', at)) return at + 4;
  if (t.startsWith('false', at)) return at + 5;
  return -1;
}

/** An object whose member names, unescaped, rise strictly in UTF-16 code units (the canonical order, no duplicates). */
function scanObject(t: string, at: number, depth: number): number {
  if (depth > MAX_DEPTH) return -1;
  if (t.charCodeAt(at + 1) === CLOSE_BRACE) return at + 2;
  let previous: string | undefined;
  let i = at;
  for (;;) {
    const keyEnd = scanString(t, i + 1, false);
    if (keyEnd < 0 || t.charCodeAt(keyEnd) !== COLON) return -1;
    const key = t.slice(i + 2, keyEnd - 1);
    if (previous !== undefined && !(previous < key)) return -1;
    previous = key;
    i = scanValue(t, keyEnd + 1, depth);
    if (i < 0) return -1;
    const c = t.charCodeAt(i);
    if (c === CLOSE_BRACE) return i + 1;
    if (c !== COMMA || t.charCodeAt(i + 1) !== QUOTE) return -1;
  }
}

function scanArray(t: string, at: number, depth: number): number {
  if (depth > MAX_DEPTH) return -1;
  if (t.charCodeAt(at + 1) === CLOSE_BRACKET) return at + 2;
  let i = at + 1;
  for (;;) {
    i = scanValue(t, i, depth);
    if (i < 0) return -1;
    const c = t.charCodeAt(i);
    if (c === CLOSE_BRACKET) return i + 1;
    if (c !== COMMA) return -1;
    i += 1;
  }
}

/** The end of one member value of the kind `kind` at `at`, or -1. */
function scanMember(t: string, at: number, kind: FieldKind, index: number): number {
  const c = t.charCodeAt(at);
  switch (kind) {
    case 'text':
      return c === QUOTE ? scanString(t, at, true) : -1;
    case 'nullable-text':
      return c === QUOTE ? scanString(t, at, true) : t.startsWith('null', at) ? at + 4 : -1;
    case 'object':
      return c === OPEN_BRACE ? scanObject(t, at, 1) : -1;
    case 'nullable-integer':
      return t.startsWith('null', at) ? at + 4 : scanInteger(t, at);
    case 'index': {
      const end = scanInteger(t, at);
      // Digits only (not negative), and the number the line is at.
      return end > at && c !== MINUS && Number(t.slice(at, end)) === index ? end : -1;
    }
  }
}

/**
 * True when `t` is proven to be the canonical JSON (RFC 8785) of an object passing
 * exportEntryFieldsSchema whose `idx` is `index`, i.e. canonicalJson(JSON.parse(t)) === t.
 */
function isCanonicalEntry(t: string, index: number): boolean {
  if (MEMBERS === undefined) return false;
  let at = 0;
  for (const { head, kind } of MEMBERS) {
    if (!t.startsWith(head, at)) return false;
    at = scanMember(t, at + head.length, kind, index);
    if (at < 0) return false;
  }
  return at === t.length - 1 && t.charCodeAt(at) === CLOSE_BRACE;
}

/**
 * The leaf bytes of `line` when it is provably a well-formed entry line at `index` whose fields are
 * exactly its leaf and of an audit entry's shape (what the exact path would accept, appending the
 * hash of these bytes); undefined when that is not proven, the line then being the exact path's.
 */
export function fastEntryLeaf(line: string, index: number): Buffer | undefined {
  if (!line.startsWith(PREFIX)) return undefined;
  // The index: as JSON writes it, and the expected one.
  const indexEnd = scanInteger(line, PREFIX.length);
  if (indexEnd < 0 || line.charCodeAt(PREFIX.length) === MINUS || Number(line.slice(PREFIX.length, indexEnd)) !== index) return undefined;
  if (!line.startsWith(LEAF, indexEnd)) return undefined;
  const leafStart = indexEnd + LEAF.length;
  // The first quote ends the leaf: once the leaf equals a base64 text (no quote, no backslash),
  // its raw characters are the string's value.
  const leafEnd = line.indexOf('"', leafStart);
  if (leafEnd < 0 || !line.startsWith(FIELDS, leafEnd)) return undefined;
  // `fields` is the last member: its text runs to the closing brace that ends the line.
  const fieldsStart = leafEnd + FIELDS.length;
  const last = line.length - 1;
  if (last <= fieldsStart || line.charCodeAt(last) !== CLOSE_BRACE) return undefined;
  const fieldsText = line.slice(fieldsStart, last);
  // The fields text is a canonical entry at this index (so the line is one JSON object of these
  // four members, and entryLeafText of its fields is this very text) ...
  if (!isCanonicalEntry(fieldsText, index)) return undefined;
  // ... and byte for byte the leaf, which is in its one base64 encoding.
  const bytes = Buffer.from(fieldsText, 'utf8');
  return bytes.toString('base64') === line.slice(leafStart, leafEnd) ? bytes : undefined;
}

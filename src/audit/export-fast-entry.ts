/**
 * The verifier's fast path for an entry line exactly as formatExportLine writes it:
 * `{"type":"entry","index":N,"leaf":"<base64>","fields":<canonical JSON>}`. Instead of parsing the
 * whole line, re-serializing its fields and running zod, it proves the same facts on the raw text:
 * the `fields` text, verbatim, is the decoded leaf (its UTF-8 bytes re-encoded are `leaf`); that
 * text is in RFC 8785 canonical form; and its members are an audit entry's, in order, with `idx`
 * equal to `index` (export-fast-scan.ts). It only ever answers "proven, here are the leaf bytes"
 * or "not proven": the exact path gives every other verdict and its message. Pure.
 */
import { FAST_SCAN_ENABLED, codes, digitsValue, matches, scanEntryFields, scanInteger, scannedPastAscii } from './export-fast-scan.js';

const PREFIX = codes('{"type":"entry","index":');
const LEAF = codes(',"leaf":"');
const FIELDS = codes('","fields":');
const MINUS = 0x2d;
const NEWLINE = 0x0a;
const CLOSE_BRACE = 0x7d;
// Code units past the loaded text set to 0: the scanners stop at the first, and look ahead a few.
const STOP = 8;
// Longer texts go to the exact path rather than grow the buffers without bound.
const MAX_LOADED = 1 << 22;

// Buffer's native writers behind write(text, offset, length, encoding), without its argument
// juggling (which costs as much as writing a few hundred characters); write() where a Node.js
// lacks them.
type Write = (this: Buffer, text: string, offset: number, length: number) => number;
const nativeWrite = (name: 'latin1Write' | 'ucs2Write' | 'utf8Write', encoding: BufferEncoding): Write =>
  (Buffer.prototype as Partial<Record<typeof name, Write>>)[name] ??
  function (this: Buffer, text: string, offset: number, length: number) {
    return this.write(text, offset, length, encoding);
  };
const writeLatin1 = nativeWrite('latin1Write', 'latin1');
const writeUtf16 = nativeWrite('ucs2Write', 'utf16le');
const writeUtf8 = nativeWrite('utf8Write', 'utf8');
// The same for reading base64 out: Buffer#base64Slice(start, end), toString('base64', …) without the juggling.
type Read = (this: Buffer, start: number, end: number) => string;
const readBase64: Read =
  (Buffer.prototype as { base64Slice?: Read }).base64Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('base64', start, end);
  };

/** A buffer of at least `size` bytes: `current` when it is large enough, else a new one with room to spare. */
function atLeast(current: Buffer, size: number): Buffer {
  return current.length >= size ? current : Buffer.alloc(2 ** Math.ceil(Math.log2(size)));
}

/**
 * Proves entry lines of a text loaded into it, a line or a run of whole lines at a time (one
 * copy of many lines costs less than one per line), reusing its buffers: one per verifier, never
 * shared by interleaved callers.
 */
export class EntryLineProver {
  #text = '';
  // The text position of units[0], and of the end of what is loaded.
  #base = 0;
  #end = 0;
  // The loaded code units, then STOP zeros.
  #unitBytes: Buffer = Buffer.alloc(0);
  #units: Uint16Array = new Uint16Array(0);
  #view = new DataView(this.#units.buffer);
  // The UTF-16 code units of the base64 a leaf must be.
  #expected: Buffer = Buffer.alloc(0);
  // The UTF-8 bytes of the fields last proven.
  #leafBytes: Buffer = Buffer.alloc(0);
  #leaf: Buffer = this.#leafBytes;

  /**
   * Loads `text` from `start` to `end` (whole lines) for {@link proveAt}; false, loading nothing,
   * when that is too long to take the fast path.
   */
  load(text: string, start: number, end: number): boolean {
    const length = end - start;
    this.#text = text;
    this.#base = start;
    this.#end = start;
    if (!FAST_SCAN_ENABLED || length > MAX_LOADED) return false;
    if (this.#unitBytes.length < 2 * (length + STOP)) {
      this.#unitBytes = atLeast(this.#unitBytes, 2 * (length + STOP));
      this.#units = new Uint16Array(this.#unitBytes.buffer, this.#unitBytes.byteOffset, this.#unitBytes.length / 2);
      this.#view = new DataView(this.#unitBytes.buffer, this.#unitBytes.byteOffset, this.#unitBytes.length);
    }
    const part = start === 0 && end === text.length ? text : text.slice(start, end);
    if (writeUtf16.call(this.#unitBytes, part, 0, 2 * length) !== 2 * length) return false;
    this.#units.fill(0, length, length + STOP);
    this.#end = end;
    return true;
  }

  /**
   * The end (the position of its newline, or the end of what is loaded) of the line that starts
   * at text position `at` when that line is provably a well-formed entry line at `index` whose
   * fields are exactly its leaf and of an audit entry's shape: what the exact path would accept,
   * appending the hash of {@link leaf}. -1 when that is not proven, the line then being the
   * exact path's.
   */
  proveAt(at: number, index: number): number {
    const u = this.#units;
    const base = this.#base;
    const text = this.#text;
    const line = at - base;
    if (at < base || at >= this.#end || !matches(u, line, PREFIX)) return -1;
    // The index: as JSON writes it, and the expected one.
    const indexStart = line + PREFIX.length;
    const indexEnd = scanInteger(u, indexStart);
    if (indexEnd < 0 || u[indexStart] === MINUS || digitsValue(u, indexStart, indexEnd) !== index || !matches(u, indexEnd, LEAF)) return -1;
    // The first quote ends the leaf (found in the text itself, natively): once the leaf equals a
    // base64 text (no quote, backslash or newline), its raw characters are the string's value.
    const leafStart = base + indexEnd + LEAF.length;
    const leafEnd = text.indexOf('"', leafStart);
    if (leafEnd < 0 || leafEnd >= this.#end || !matches(u, leafEnd - base, FIELDS)) return -1;
    // `fields` is the last member: its text is a canonical entry at this index (so the line is one
    // JSON object of these four members, and entryLeafText of its fields is this very text) ...
    const fieldsStart = leafEnd + FIELDS.length;
    const fieldsEnd = base + scanEntryFields(u, this.#view, fieldsStart - base, index);
    if (fieldsEnd < base) return -1;
    const close = fieldsEnd - base;
    if (u[close] !== CLOSE_BRACE || (u[close + 1] !== NEWLINE && fieldsEnd + 1 !== this.#end)) return -1;
    // ... and byte for byte the leaf, which is in its one base64 encoding: compared as UTF-16 code
    // units, a copy of the base64 beside the loaded ones (much faster than comparing the strings).
    const bytes = this.#utf8(fieldsStart, fieldsEnd);
    const base64 = readBase64.call(bytes, 0, bytes.length);
    const units = 2 * base64.length;
    if (leafEnd - leafStart !== base64.length) return -1;
    this.#expected = atLeast(this.#expected, units);
    writeUtf16.call(this.#expected, base64, 0, units);
    if (this.#unitBytes.compare(this.#expected, 0, units, 2 * (leafStart - base), 2 * (leafEnd - base)) !== 0) return -1;
    this.#leaf = bytes;
    return fieldsEnd + 1;
  }

  /** The leaf bytes of the line {@link proveAt} last proved: a view of a buffer the next proof overwrites. */
  get leaf(): Uint8Array {
    return this.#leaf;
  }

  /** The UTF-8 bytes of the text from `at` to `end`, just scanned (so without a lone surrogate). */
  #utf8(at: number, end: number): Buffer {
    this.#leafBytes = atLeast(this.#leafBytes, 3 * (end - at));
    // ASCII, the usual case, is its own UTF-8, and a Latin-1 write is a plain copy of it.
    const write = scannedPastAscii() ? writeUtf8 : writeLatin1;
    const written = write.call(this.#leafBytes, this.#text.slice(at, end), 0, this.#leafBytes.length);
    return this.#leafBytes.subarray(0, written);
  }
}

const shared = new EntryLineProver();

/**
 * The leaf bytes of `line` (one line, without its newline) when it is provably an entry line at
 * `index` (see {@link EntryLineProver.proveAt}), in a fresh Buffer; undefined when not proven.
 */
export function fastEntryLeaf(line: string, index: number): Buffer | undefined {
  if (!shared.load(line, 0, line.length) || shared.proveAt(0, index) !== line.length) return undefined;
  return Buffer.from(shared.leaf);
}

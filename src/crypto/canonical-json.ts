/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): one exact byte sequence per
 * JSON value, so hashes and signatures over data are repeatable.
 */
import { sha256Hex } from './sha256.js';

/** Thrown when a value has no canonical JSON form; `path` points at the offending part (`$.a[2]`). */
export class CanonicalJsonError extends Error {
  /** Stable code for callers that map errors to responses. */
  readonly code = 'canonical_json_invalid';

  constructor(
    readonly reason: string,
    readonly path: string,
  ) {
    super(`cannot canonicalize ${path}: ${reason}`);
    this.name = 'CanonicalJsonError';
  }
}

// With the `u` flag a surrogate range only matches code units that are not
// part of a valid pair, i.e. lone surrogates.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Serializes a JSON-compatible value in RFC 8785 canonical form. Object members
 * whose value is `undefined` are omitted (as JSON.stringify does) and `toJSON`
 * is honoured; NaN, Infinity, bigint, functions, symbols, `undefined` array
 * items, lone surrogates, cycles and non-plain objects throw CanonicalJsonError.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, '$', new Set());
}

/** Lowercase hex SHA-256 of the UTF-8 canonical JSON of `value`: the content hash of a document. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

function serialize(value: unknown, path: string, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return serializeNumber(value, path);
    case 'string':
      return serializeString(value, path);
    case 'object':
      return serializeObject(value, path, ancestors);
    default:
      // undefined, bigint, function, symbol: RFC 8785 §3.1 admits only I-JSON (RFC 7493) values.
      throw new CanonicalJsonError(`${typeof value} is not a JSON value`, path);
  }
}

function serializeNumber(value: number, path: string): string {
  // RFC 8785 §3.2.2.3: NaN and Infinity have no JSON form and MUST cause an error.
  if (!Number.isFinite(value)) throw new CanonicalJsonError(`${value} is not a JSON number`, path);
  // RFC 8785 §3.2.2.3: ECMAScript Number::toString (ECMA-262 §7.1.12.1); -0 becomes "0".
  return String(value);
}

function serializeString(value: string, path: string): string {
  // RFC 8785 §3.1 via RFC 7493 §2.1: strings MUST be valid Unicode, so lone surrogates are errors.
  if (LONE_SURROGATE.test(value)) throw new CanonicalJsonError('string contains a lone surrogate', path);
  // RFC 8785 §3.2.2.2: the escaping of ECMAScript JSON.stringify (short escapes for
  // \b \t \n \f \r \" \\, \u00xx lowercase for other controls, everything else verbatim).
  return JSON.stringify(value);
}

function serializeObject(value: object, path: string, ancestors: Set<object>): string {
  if (ancestors.has(value)) throw new CanonicalJsonError('circular reference', path);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return serializeArray(value, path, ancestors);
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      // Same hook as JSON.stringify (ECMA-262 SerializeJSONProperty), e.g. Date -> ISO string.
      const replaced: unknown = (value as { toJSON: (key: string) => unknown }).toJSON('');
      return serialize(replaced, path, ancestors);
    }
    return serializeMembers(value, path, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function serializeArray(items: readonly unknown[], path: string, ancestors: Set<object>): string {
  const parts: string[] = [];
  // Index loop so holes in sparse arrays are seen (and rejected) as undefined.
  for (let index = 0; index < items.length; index += 1) {
    parts.push(serialize(items[index], `${path}[${index}]`, ancestors));
  }
  return `[${parts.join(',')}]`;
}

function serializeMembers(value: object, path: string, ancestors: Set<object>): string {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    // Map, Set, class instances and boxed primitives would silently lose data.
    const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
    throw new CanonicalJsonError(`${kind} is not a plain object`, path);
  }
  const record = value as Record<string, unknown>;
  // RFC 8785 §3.2.3: members sorted by the UTF-16 code units of their names,
  // which is exactly the default comparison of Array.prototype.sort.
  const names = Object.keys(record).sort();
  const parts: string[] = [];
  for (const name of names) {
    const member = record[name];
    if (member === undefined) continue;
    const memberPath = `${path}[${JSON.stringify(name)}]`;
    parts.push(`${serializeString(name, memberPath)}:${serialize(member, memberPath, ancestors)}`);
  }
  return `{${parts.join(',')}}`;
}

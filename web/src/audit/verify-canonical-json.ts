/**
 * RFC 8785 JSON Canonicalization Scheme in the browser, the same bytes as the server's
 * src/crypto/canonical-json.ts: the exact text an audit entry's leaf hash and an order's
 * content hash are taken over.
 */

// With the `u` flag a surrogate range only matches code units not part of a valid pair.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Serializes a JSON value canonically; throws an Error naming the path on a value with no canonical form. */
export function canonicalJson(value: unknown, path = '$'): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // RFC 8785 §3.2.2.3: ECMAScript Number::toString; NaN and Infinity have no JSON form.
      if (!Number.isFinite(value)) throw new Error(`cannot canonicalize ${path}: ${value} is not a JSON number`);
      return String(value);
    case 'string':
      return canonicalString(value, path);
    case 'object':
      if (Array.isArray(value)) return `[${value.map((item: unknown, i) => canonicalJson(item, `${path}[${i}]`)).join(',')}]`;
      return canonicalObject(value as Record<string, unknown>, path);
    default:
      throw new Error(`cannot canonicalize ${path}: ${typeof value} is not a JSON value`);
  }
}

function canonicalString(value: string, path: string): string {
  // RFC 8785 §3.2.2.2: JSON.stringify's escaping; RFC 7493 §2.1: no lone surrogates.
  if (LONE_SURROGATE.test(value)) throw new Error(`cannot canonicalize ${path}: the string contains a lone surrogate`);
  return JSON.stringify(value);
}

function canonicalObject(record: Record<string, unknown>, path: string): string {
  // RFC 8785 §3.2.3: members sorted by the UTF-16 code units of their names (the default sort).
  const members = Object.keys(record)
    .sort()
    .filter((name) => record[name] !== undefined)
    .map((name) => `${canonicalString(name, path)}:${canonicalJson(record[name], `${path}.${name}`)}`);
  return `{${members.join(',')}}`;
}

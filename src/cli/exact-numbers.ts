import { CliError } from './cli-error.js';

/**
 * Keys whose numbers are counts or positions (operation seq, material line,
 * attachment size, version, a zone's security level), kept as JSON numbers; every other number in an
 * order or plant file is a decimal or a code and is sent as a string, so
 * `quantity: {value: 100}` works and no value drifts through floating point.
 */
export const INTEGER_KEYS: ReadonlySet<string> = new Set(['seq', 'line', 'operationSeq', 'materialLine', 'size', 'version', 'securityLevel']);

// Up to 15 significant digits survive a round trip through a binary double unchanged (IEEE 754 DBL_DIG).
const MAX_EXACT_DIGITS = 15;

function exactText(value: number, path: string): string {
  const text = String(value);
  const digits = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '');
  if (!Number.isFinite(value) || /e/i.test(text) || digits.length > MAX_EXACT_DIGITS) {
    throw new CliError('invalid-file', `${path || 'value'}: ${text} cannot be kept exact as a number; write it as a quoted string`);
  }
  return text;
}

/**
 * Returns a copy of parsed file content in which numbers become decimal strings,
 * except under {@link INTEGER_KEYS}. Numbers that a double cannot hold exactly
 * are refused with the path to fix, rather than silently rounded.
 */
export function numbersAsDecimals(value: unknown, path = '', key = ''): unknown {
  if (typeof value === 'number') return INTEGER_KEYS.has(key) ? value : exactText(value, path);
  if (Array.isArray(value)) return value.map((item, index) => numbersAsDecimals(item, `${path}[${index}]`, key));
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(value)) {
      // defineProperty keeps a literal "__proto__" key a plain key, so the server can refuse it.
      Object.defineProperty(copy, name, {
        value: numbersAsDecimals(inner, path ? `${path}.${name}` : name, name),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  }
  return value;
}

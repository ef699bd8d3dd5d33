/**
 * Exact decimal quantities. Values travel as strings ("12.5") and are computed
 * as scaled bigints, so 0.1 + 0.2 is 0.3 and never 0.30000000000000004.
 */

/** Digits kept after the point; six covers grams of a kilogram and microns of a metre. */
export const DECIMAL_SCALE = 6;

/** Plain decimal notation: optional minus, up to 15 integer digits, up to 6 fraction digits. */
export const DECIMAL_PATTERN = /^-?(0|[1-9]\d{0,14})(\.\d{1,6})?$/;

const FACTOR = 10n ** BigInt(DECIMAL_SCALE);

/** Parses a decimal string into its scaled bigint; throws on anything but plain decimal notation. */
export function toScaled(value: string): bigint {
  if (!DECIMAL_PATTERN.test(value)) throw new RangeError(`not a decimal: ${JSON.stringify(value)}`);
  const negative = value.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? value.slice(1) : value).split('.');
  const scaled = BigInt(whole) * FACTOR + BigInt(fraction.padEnd(DECIMAL_SCALE, '0'));
  return negative ? -scaled : scaled;
}

/** Formats a scaled bigint back to its shortest decimal string ("1.500000" -> "1.5"). */
export function fromScaled(scaled: bigint): string {
  const negative = scaled < 0n;
  const magnitude = negative ? -scaled : scaled;
  const whole = magnitude / FACTOR;
  const fraction = (magnitude % FACTOR).toString().padStart(DECIMAL_SCALE, '0').replace(/0+$/, '');
  const text = fraction ? `${whole}.${fraction}` : `${whole}`;
  return negative && magnitude !== 0n ? `-${text}` : text;
}

/** Normalises a decimal string to its shortest form, so equal values compare and hash equal. */
export function normalizeDecimal(value: string): string {
  return fromScaled(toScaled(value));
}

/** Adds decimal strings exactly. */
export function addDecimals(...values: readonly string[]): string {
  return fromScaled(values.reduce((sum, value) => sum + toScaled(value), 0n));
}

/** Compares two decimal strings: negative, zero or positive like a sort comparator. */
export function compareDecimals(a: string, b: string): number {
  const difference = toScaled(a) - toScaled(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

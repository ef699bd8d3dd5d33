import { z } from 'zod';
import { DECIMAL_PATTERN, normalizeDecimal, toScaled } from './decimal.js';

/** A unit of measure code as ERP systems write them (pcs, kg, m, L, EA). */
export const unitSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9%/._-]{0,15}$/, 'must be a unit code such as pcs, kg or m');

/** A decimal string, normalised to its shortest form; never a JSON number, so no float drift. */
export const decimalSchema = z
  .string()
  .regex(DECIMAL_PATTERN, 'must be a decimal string such as "12.5" (up to 15 digits and 6 decimals)')
  .transform(normalizeDecimal);

/** A decimal string that is zero or more. */
export const nonNegativeDecimalSchema = decimalSchema.refine((value) => toScaled(value) >= 0n, 'must not be negative');

/** A decimal string that is more than zero. */
export const positiveDecimalSchema = decimalSchema.refine((value) => toScaled(value) > 0n, 'must be more than zero');

/** An exact amount with its unit. */
export const quantitySchema = z.strictObject({ value: positiveDecimalSchema, unit: unitSchema });

/** A parsed {@link quantitySchema}. */
export type Quantity = z.infer<typeof quantitySchema>;

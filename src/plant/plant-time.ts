/**
 * The plant's clock (issue 7 point 10): the IANA time zone its people read dates in, and the local
 * times its shifts start. One setting for the whole installation (the operator guide says why, and
 * how a per-site zone would extend it). Pure: the stored form and its service are in
 * `plant-time-service.ts`.
 */
import { z } from 'zod';

/** The most shifts a day may have (four of six hours is the shortest pattern plants run). */
export const MAX_SHIFTS = 4;

/** A local time of day as `hh:mm`, 00:00 to 23:59. */
const LOCAL_TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

/**
 * The zone's name as it is kept: the platform's spelling when the two differ only in case
 * (`europe/berlin` → `Europe/Berlin`), else the name as given, so `Asia/Kolkata` does not turn into
 * the older `Asia/Calcutta` that Node's ICU resolves it to; null for a name ICU does not know.
 * Offsets like `+01:00` are refused: they know no daylight saving.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return null;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
  } catch {
    return null;
  }
}

/** The minutes after local midnight of an `hh:mm` time. */
export function minutesOfDay(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** The plant's time setting, as checked on the way in; the time zone comes out in its canonical spelling. */
export const plantTimeSchema = z.strictObject({
  /** An IANA time zone name, e.g. `Europe/Berlin`; `UTC` for a plant that keeps no local time. */
  timeZone: z.string().max(64).describe('An IANA time zone name, e.g. Europe/Berlin; UTC for none').transform((name, context) => {
    const canonical = canonicalTimeZone(name);
    if (canonical === null) {
      context.addIssue({ code: 'custom', message: `"${name.slice(0, 64)}" is not an IANA time zone this server knows, e.g. Europe/Berlin or America/Chicago` });
      return z.NEVER;
    }
    return canonical;
  }),
  /** Where each shift starts, in local time, earliest first; each shift runs until the next one starts (the last until the first, next day). */
  shifts: z
    .array(z.string().regex(LOCAL_TIME, 'must be a local time hh:mm, 00:00 to 23:59'))
    .min(1, 'name at least one shift start')
    .max(MAX_SHIFTS, `at most ${MAX_SHIFTS} shifts a day`)
    .refine((starts) => starts.every((start, index) => index === 0 || minutesOfDay(start) > minutesOfDay(starts[index - 1] ?? '')), 'must be distinct and earliest first')
    .describe('Where the shifts start, local time hh:mm, earliest first, 1 to 4; each runs until the next starts'),
});

/** The plant's time zone and shift starts. */
export type PlantTime = z.output<typeof plantTimeSchema>;

/** A change: the time zone, the shifts, or both. */
export const plantTimePatchSchema = z
  .strictObject({ timeZone: plantTimeSchema.shape.timeZone.optional(), shifts: plantTimeSchema.shape.shifts.optional() })
  .refine((patch) => patch.timeZone !== undefined || patch.shifts !== undefined, 'name timeZone, shifts or both');

/**
 * The setting of a new installation, and of one upgraded from before the setting existed: the three
 * eight-hour shifts at 06, 14 and 22 UTC that the overview used then, so nothing moves until an admin says where the plant is.
 */
export const DEFAULT_PLANT_TIME: PlantTime = Object.freeze({ timeZone: 'UTC', shifts: Object.freeze(['06:00', '14:00', '22:00']) as string[] });

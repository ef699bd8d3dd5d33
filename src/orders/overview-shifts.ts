/**
 * The shifts of the overview's throughput chart. Forgeline has no site setting for shifts or a
 * time zone yet, so the plant works three shifts of eight hours starting at fixed UTC times. Pure.
 */

/** Where the shifts start, in UTC (hh:mm), earliest first; the answer names them so a reader knows. */
export const SHIFT_BOUNDARIES_UTC = ['06:00', '14:00', '22:00'] as const;

/** How long one shift lasts. */
export const SHIFT_HOURS = 8;

/** How many shifts the throughput chart covers, the current one included. */
export const THROUGHPUT_SHIFTS = 6;

const HOUR_MS = 3_600_000;
const SHIFT_MS = SHIFT_HOURS * HOUR_MS;
/** The first boundary's offset from midnight UTC; the others follow every {@link SHIFT_HOURS}. */
const FIRST_BOUNDARY_MS = 6 * HOUR_MS;

/** One shift: from `start` (inclusive) to `end` (exclusive), as RFC 3339 UTC instants. */
export interface ShiftWindow {
  readonly start: string;
  readonly end: string;
}

/**
 * The last `count` shifts up to and including the one running at `now`, oldest first. The last
 * window ends in the future: it is the shift in progress.
 */
export function lastShifts(now: Date, count = THROUGHPUT_SHIFTS): ShiftWindow[] {
  const sinceFirst = now.getTime() - FIRST_BOUNDARY_MS;
  const currentStart = Math.floor(sinceFirst / SHIFT_MS) * SHIFT_MS + FIRST_BOUNDARY_MS;
  const shifts: ShiftWindow[] = [];
  for (let back = count - 1; back >= 0; back -= 1) {
    const start = currentStart - back * SHIFT_MS;
    shifts.push({ start: new Date(start).toISOString(), end: new Date(start + SHIFT_MS).toISOString() });
  }
  return shifts;
}

/** The index in `shifts` of the window holding instant `at`, or -1 outside all of them. */
export function shiftIndexOf(shifts: readonly ShiftWindow[], at: string): number {
  const time = Date.parse(at);
  return shifts.findIndex((shift) => Date.parse(shift.start) <= time && time < Date.parse(shift.end));
}

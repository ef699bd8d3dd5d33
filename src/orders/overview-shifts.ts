/**
 * The shifts of the overview's throughput chart, from the plant's time zone and the local times its
 * shifts start. Boundaries are local wall times, so across a daylight-saving change a shift lasts an
 * hour more or less (Europe/Berlin 2026-10-25: the night shift 22:00–06:00 is nine hours). Pure.
 */
import { minutesOfDay } from '../plant/index.js';

/** How many shifts the throughput chart covers, the current one included. */
export const THROUGHPUT_SHIFTS = 6;

/** The plant's clock as the shifts need it: an IANA zone and the shift starts (`hh:mm`, earliest first). */
export interface ShiftPattern {
  readonly timeZone: string;
  readonly shifts: readonly string[];
}

/** One shift: from `start` (inclusive) to `end` (exclusive), as RFC 3339 UTC instants, with its local names. */
export interface ShiftWindow {
  readonly start: string;
  readonly end: string;
  /** The shift's name: its start in the pattern (`22:00`). */
  readonly label: string;
  /** Where it starts and ends on the plant's clock (`2026-10-24T22:00`). */
  readonly localStart: string;
  readonly localEnd: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Local calendar fields of an instant. */
interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** A formatter per zone: building one costs far more than using it, and the overview asks on every read. */
function formatIn(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** The wall-clock fields of `instant` (ms since the epoch) in `timeZone`. */
export function localParts(instant: number, timeZone: string): LocalParts {
  const fields: Record<string, number> = {};
  for (const part of formatIn(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return { year: fields.year ?? 0, month: fields.month ?? 1, day: fields.day ?? 1, hour: fields.hour ?? 0, minute: fields.minute ?? 0, second: fields.second ?? 0 };
}

/** The local wall time of `instant` read as if it were UTC: the instant plus the zone's offset then. */
function wallOf(instant: number, timeZone: string): number {
  const parts = localParts(instant, timeZone);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** The zone's offset from UTC at `instant`, in ms (whole seconds: every IANA offset since 1972 is). */
function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallOf(whole, timeZone) - whole;
}

/**
 * The instant a local wall time (given as if UTC) happens in `timeZone`. A wall time the clocks
 * skip (spring forward) moves on by the gap; one they pass twice (fall back) is the earlier one:
 * the "compatible" rule of RFC 9557 / Temporal, what people mean by "the shift starts at 02:30".
 */
export function instantOfWall(wall: number, timeZone: string): number {
  // No zone changes its offset twice within two days, so the offsets a day either side are the only candidates.
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const candidates = [wall - before, wall - after].filter((instant) => wallOf(instant, timeZone) === wall).sort((a, b) => a - b);
  return candidates[0] ?? wall - before;
}

/** `2026-10-25T06:00`: an instant on the plant's clock, to the minute. */
export function localMinute(instant: number, timeZone: string): string {
  const parts = localParts(instant, timeZone);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(parts.year, 4)}-${pad(parts.month)}-${pad(parts.day)}T${pad(parts.hour)}:${pad(parts.minute)}`;
}

/**
 * The last `count` shifts up to and including the one running at `now`, oldest first. Each runs
 * from its start to the next shift's start; the last window ends in the future: the shift in progress.
 */
export function lastShifts(now: Date, pattern: ShiftPattern, count = THROUGHPUT_SHIFTS): ShiftWindow[] {
  const { timeZone, shifts } = pattern;
  if (shifts.length === 0 || count <= 0) return [];
  const today = localParts(now.getTime(), timeZone);
  const midnight = Date.UTC(today.year, today.month - 1, today.day);
  // Enough local days back for `count` shifts before today's, and tomorrow's first start to close the current one.
  const daysBack = Math.ceil(count / shifts.length) + 1;
  const starts: { readonly at: number; readonly label: string }[] = [];
  for (let day = -daysBack; day <= 1; day += 1) {
    for (const label of shifts) starts.push({ at: instantOfWall(midnight + day * DAY_MS + minutesOfDay(label) * MINUTE_MS, timeZone), label });
  }
  // A start inside a spring-forward gap moves on by the gap and may meet or pass the next start: keep time order, drop empty shifts.
  starts.sort((a, b) => a.at - b.at);
  const boundaries = starts.filter((start, index) => starts[index + 1]?.at !== start.at);
  const current = boundaries.findLastIndex((boundary) => boundary.at <= now.getTime());
  const windows: ShiftWindow[] = [];
  for (let index = Math.max(current - count + 1, 0); index <= current; index += 1) {
    const start = boundaries[index];
    const end = boundaries[index + 1];
    if (start === undefined || end === undefined) continue;
    windows.push({
      start: new Date(start.at).toISOString(), end: new Date(end.at).toISOString(), label: start.label,
      localStart: localMinute(start.at, timeZone), localEnd: localMinute(end.at, timeZone),
    });
  }
  return windows;
}

/** The index in `shifts` of the window holding instant `at`, or -1 outside all of them. */
export function shiftIndexOf(shifts: readonly ShiftWindow[], at: string): number {
  const time = Date.parse(at);
  return shifts.findIndex((shift) => Date.parse(shift.start) <= time && time < Date.parse(shift.end));
}

/**
 * The overview's `shiftBoundariesUtc` of before the plant's time setting (`hh:mm` in UTC, earliest
 * first), kept for clients that still read it: the UTC times of day at which the latest occurrence
 * of each of the pattern's shifts started, taken from `windows` (oldest first, as
 * {@link lastShifts} gives them). Deprecated: in a zone with daylight saving these times move
 * twice a year, and each shift's own `start` and `end` say exactly when it runs.
 */
export function shiftBoundariesUtc(windows: readonly ShiftWindow[], shiftsPerDay: number): string[] {
  const latest = windows.slice(-Math.max(shiftsPerDay, 0));
  const times = new Set(latest.map((window) => window.start.slice(11, 16)));
  return [...times].sort((a, b) => minutesOfDay(a) - minutesOfDay(b));
}

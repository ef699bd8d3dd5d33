/**
 * How dates and roles read in the app. Every date is shown, and every date typed is read, on the
 * plant's clock (its IANA time zone, GET /api/v1/plant/time), not the browser's: a planner at
 * head office and an operator on the floor see the same "06:00" for the same instant.
 */
import type { Role, RoleAssignment } from './types.js';

/** The zone dates are shown in; undefined until the plant's setting is read (the browser's own zone meanwhile). */
let plantZone: string | undefined;
const formats = new Map<string, Intl.DateTimeFormat>();

/** Sets the plant's time zone for every date shown and read from now on (at sign-in, and when an admin changes it). */
export function setPlantTimeZone(timeZone: string | undefined): void {
  plantZone = timeZone !== undefined && knownHere(timeZone) ? timeZone : undefined;
}

/** True when this browser's Intl knows the zone; a page then says it follows the browser instead of naming a zone it does not keep. */
function knownHere(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The plant's time zone, or undefined while it is not known (dates then follow the browser). */
export function plantTimeZone(): string | undefined {
  return plantZone;
}

/** The zone as a short phrase for a page ("Europe/Berlin", or "your browser's time zone" before the plant's is known). */
export function timeZoneLabel(): string {
  return plantZone ?? "your browser's time zone";
}

/** One formatter per style and zone: building one costs far more than using it, and a table formats hundreds. */
function formatter(style: 'date-time' | 'day' | 'time' | 'parts', timeZone: string | undefined): Intl.DateTimeFormat {
  const key = `${style} ${timeZone ?? ''}`;
  let format = formats.get(key);
  if (format === undefined) {
    const zone = timeZone === undefined ? {} : { timeZone };
    const options: Intl.DateTimeFormatOptions =
      style === 'date-time' ? { dateStyle: 'medium', timeStyle: 'short' }
        : style === 'day' ? { day: 'numeric', month: 'short' }
          : style === 'time' ? { hour: '2-digit', minute: '2-digit' }
            : { hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' };
    // The parts style is read by code, not people: a fixed locale so its fields parse.
    const locale = style === 'parts' ? 'en-US' : undefined;
    try {
      format = new Intl.DateTimeFormat(locale, { ...options, ...zone });
    } catch {
      // A zone the server's ICU knows and this browser's does not (a newer tz release): the browser's zone rather than a blank page.
      format = new Intl.DateTimeFormat(locale, options);
    }
    formats.set(key, format);
  }
  return format;
}

function formatIso(style: 'date-time' | 'day' | 'time', iso: string, timeZone: string | undefined): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : formatter(style, timeZone).format(date);
}

/** A timestamp from the API as a date and time on the plant's clock ("12 Mar 2026, 14:05"). */
export function formatDateTime(iso: string, timeZone: string | undefined = plantZone): string {
  return formatIso('date-time', iso, timeZone);
}

/** A timestamp from the API as a day on the plant's clock ("12 Mar"), for compact labels such as a chart's axis. */
export function formatDay(iso: string, timeZone: string | undefined = plantZone): string {
  return formatIso('day', iso, timeZone);
}

/** A timestamp from the API as a time of day on the plant's clock ("14:05"). */
export function formatTime(iso: string, timeZone: string | undefined = plantZone): string {
  return formatIso('time', iso, timeZone);
}

/** The wall-clock time of `instant` in `timeZone` (the browser's when undefined), read as if it were UTC, to the second. */
function wallOf(instant: number, timeZone: string | undefined): number {
  const fields: Record<string, number> = {};
  for (const part of formatter('parts', timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return Date.UTC(fields.year ?? 1970, (fields.month ?? 1) - 1, fields.day ?? 1, fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0);
}

const DAY_MS = 86_400_000;
const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * A wall time typed into a `date` or `datetime-local` input ("2026-12-01T06:00") as the RFC 3339
 * UTC instant it is on the plant's clock, or undefined for text that is no date. A time the clocks
 * skip moves on by the gap and one they pass twice is the earlier (RFC 9557 "compatible", as the server counts shifts).
 */
export function instantOfLocalInput(value: string, timeZone: string | undefined = plantZone): string | undefined {
  const match = LOCAL_INPUT.exec(value);
  if (match === null) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = match;
  const wall = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  if (Number.isNaN(wall) || new Date(wall).getUTCDate() !== Number(day) || Number(hour) > 23) return undefined;
  const offsetAt = (instant: number) => wallOf(Math.floor(instant / 1000) * 1000, timeZone) - Math.floor(instant / 1000) * 1000;
  // No zone changes its offset twice within two days: the offsets a day either side are the only candidates.
  const before = offsetAt(wall - DAY_MS);
  const after = offsetAt(wall + DAY_MS);
  const candidates = [wall - before, wall - after].filter((instant) => wallOf(instant, timeZone) === wall).sort((a, b) => a - b);
  return new Date(candidates[0] ?? wall - before).toISOString().replace('.000Z', 'Z');
}

/** An RFC 3339 instant as a `datetime-local` value on the plant's clock ("2026-12-01T06:00"); '' for no date. */
export function localInputOf(iso: string | undefined, timeZone: string | undefined = plantZone): string {
  if (iso === undefined || iso === '') return '';
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) return '';
  return new Date(wallOf(instant, timeZone)).toISOString().slice(0, 16);
}

const ROLE_NAMES: Readonly<Record<Role, string>> = {
  planner: 'Planner',
  approver: 'Approver',
  operator: 'Operator',
  quality: 'Quality',
  logistics: 'Logistics',
  auditor: 'Auditor',
  admin: 'Administrator',
};

/** A role's name as people read it. */
export function roleName(role: Role): string {
  // A role added on the server before the app knows it still shows, by its code.
  return ROLE_NAMES[role] ?? role;
}

/** A role with its scope: "Planner, enterprise-wide" or "Operator, in plant node 3f…". */
export function describeAssignment(assignment: RoleAssignment): string {
  const scope = assignment.scopeNodeId === null ? 'enterprise-wide' : `in plant node ${assignment.scopeNodeId}`;
  return `${roleName(assignment.role)}, ${scope}`;
}

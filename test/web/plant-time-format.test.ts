/**
 * The web's dates on the plant's clock (web/src/format.ts): shown in the plant's zone whatever the
 * browser's, typed dates read in it, with the same daylight-saving rule as the server's shifts.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { instantOfWall } from '../../src/orders/index.js';
import { formatDateTime, formatTime, instantOfLocalInput, localInputOf, plantTimeZone, setPlantTimeZone, timeZoneLabel } from '../../web/src/format.js';
import { dayBound, fromLocalInput, toLocalInput } from '../../web/src/orders/order-dates.js';
import { shiftsOf } from '../../web/src/admin/plant-time-input.js';
import { alertCountText, shiftHours } from '../../web/src/overview/overview-format.js';

const ZONES = ['Europe/Berlin', 'America/New_York', 'America/Chicago', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'UTC'] as const;

afterEach(() => setPlantTimeZone(undefined));

describe('dates shown', () => {
  it("shows an instant on the plant's clock once the zone is set, whatever the browser's zone", () => {
    const instant = '2026-11-26T05:00:00Z';
    setPlantTimeZone('Europe/Berlin');
    expect(plantTimeZone()).toBe('Europe/Berlin');
    expect(formatTime(instant)).toMatch(/06[:.]00/);
    expect(formatDateTime(instant)).toBe(formatDateTime(instant, 'Europe/Berlin'));
    setPlantTimeZone('America/Chicago');
    // 23:00 the evening before in Chicago, in a 12- or 24-hour locale.
    expect(formatTime(instant)).toMatch(/(23|11)[:.]00/);
    expect(formatDateTime(instant)).not.toBe(formatDateTime(instant, 'Europe/Berlin'));
  });

  it("says when dates follow the browser because the plant's zone is not known", () => {
    expect(timeZoneLabel()).toBe("your browser's time zone");
    setPlantTimeZone('Asia/Kolkata');
    expect(timeZoneLabel()).toBe('Asia/Kolkata');
  });

  it('follows the browser, and says so, for a zone this browser does not know, rather than failing the page', () => {
    setPlantTimeZone('Mars/Olympus_Mons');
    expect(plantTimeZone()).toBeUndefined();
    expect(timeZoneLabel()).toBe("your browser's time zone");
    expect(formatDateTime('2026-11-26T05:00:00Z', 'Mars/Olympus_Mons')).toBe(formatDateTime('2026-11-26T05:00:00Z', undefined));
  });

  it('passes text that is no date through unchanged', () => {
    setPlantTimeZone('Europe/Berlin');
    expect(formatDateTime('not a date')).toBe('not a date');
  });
});

describe('dates typed', () => {
  it('reads a date input on the plant clock, across both daylight-saving changes (Europe/Berlin 2026)', () => {
    setPlantTimeZone('Europe/Berlin');
    expect(fromLocalInput('2026-12-01T06:00')).toBe('2026-12-01T05:00:00Z');
    expect(fromLocalInput('2026-07-01T06:00')).toBe('2026-07-01T04:00:00Z');
    // Skipped by the clocks: on by the gap, as the server's shifts. Passed twice: the earlier.
    expect(fromLocalInput('2026-03-29T02:30')).toBe('2026-03-29T01:30:00Z');
    expect(fromLocalInput('2026-10-25T02:30')).toBe('2026-10-25T00:30:00Z');
    expect(toLocalInput('2026-10-25T01:30:00Z')).toBe('2026-10-25T02:30');
    expect(toLocalInput('2026-12-01T05:00:00Z')).toBe('2026-12-01T06:00');
  });

  it("bounds a due-date filter's days at the plant's midnight, a 25-hour day when the clocks go back", () => {
    setPlantTimeZone('Europe/Berlin');
    expect(dayBound('2026-10-25', false)).toBe('2026-10-24T22:00:00Z');
    expect(dayBound('2026-10-25', true)).toBe('2026-10-25T22:59:59Z');
    expect(dayBound('', true)).toBeUndefined();
    setPlantTimeZone('America/New_York');
    expect(dayBound('2026-11-26', false)).toBe('2026-11-26T05:00:00Z');
  });

  it('refuses text that is no date or no day of the calendar, and leaves it for the server to name', () => {
    setPlantTimeZone('UTC');
    expect(instantOfLocalInput('2026-02-30T06:00')).toBeUndefined();
    expect(instantOfLocalInput('2026-12-01T24:00')).toBeUndefined();
    expect(instantOfLocalInput('soon')).toBeUndefined();
    expect(fromLocalInput('soon')).toBe('soon');
    expect(toLocalInput('')).toBe('');
    expect(toLocalInput('never')).toBe('');
  });

  it("reads a wall time exactly as the server places a shift start (property, several zones)", () => {
    const wallMinute = fc.integer({ min: Date.UTC(2000, 0, 1) / 60_000, max: Date.UTC(2037, 11, 31) / 60_000 }).map((minute) => minute * 60_000);
    fc.assert(
      fc.property(wallMinute, fc.constantFrom(...ZONES), (wall, zone) => {
        const local = new Date(wall).toISOString().slice(0, 16);
        expect(instantOfLocalInput(local, zone)).toBe(new Date(instantOfWall(wall, zone)).toISOString().replace('.000Z', 'Z'));
      }),
      { numRuns: 400 },
    );
  });

  it('gives back the wall time it showed, and an instant at most an hour early in the hour the clocks pass twice (property)', () => {
    const instant = fc.integer({ min: Date.UTC(2000, 0, 1) / 60_000, max: Date.UTC(2037, 11, 31) / 60_000 }).map((minute) => minute * 60_000);
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (at, zone) => {
        const shown = localInputOf(new Date(at).toISOString(), zone);
        const back = Date.parse(instantOfLocalInput(shown, zone) ?? '');
        expect(localInputOf(new Date(back).toISOString(), zone)).toBe(shown);
        expect([0, 30 * 60_000, 3_600_000]).toContain(at - back);
      }),
      { numRuns: 400 },
    );
  });
});

describe('overview and admin helpers', () => {
  const counts = (overdue: number, held: number, offline: number) => ({ total: overdue + held + offline, byKind: { overdue, held, 'device-offline': offline } });

  it('says how many alerts there are when the list shows only some', () => {
    expect(alertCountText(20, counts(40, 5, 0))).toBe('20 of 45 shown, the most urgent first: 40 overdue, 5 held.');
    expect(alertCountText(3, counts(2, 0, 1))).toBe('3 alerts: 2 overdue, 1 devices offline.');
    expect(alertCountText(1, counts(0, 1, 0))).toBe('1 alert: 1 held.');
  });

  it('gives a shift its length, nine hours the night the clocks go back', () => {
    const shift = { start: '2026-10-24T20:00:00.000Z', end: '2026-10-25T05:00:00.000Z', label: '22:00', localStart: '2026-10-24T22:00', localEnd: '2026-10-25T06:00', completedOrders: 0, goodQuantityByUnit: {} };
    expect(shiftHours(shift)).toBe('9 h');
    expect(shiftHours({ ...shift, end: '2026-10-25T04:30:00.000Z' })).toBe('8.5 h');
  });

  it('reads shift starts typed with commas or spaces', () => {
    expect(shiftsOf(' 06:00, 14:00,22:00 ')).toEqual(['06:00', '14:00', '22:00']);
    expect(shiftsOf('06:00 18:00')).toEqual(['06:00', '18:00']);
    expect(shiftsOf('')).toEqual([]);
  });
});

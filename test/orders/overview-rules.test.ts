import { describe, expect, it } from 'vitest';
import { countAlerts, instantOfWall, lastShifts, rankAlerts, shiftBoundariesUtc, shiftIndexOf, type OverviewAlert, type ShiftWindow } from '../../src/orders/index.js';

const UTC_SHIFTS = { timeZone: 'UTC', shifts: ['06:00', '14:00', '22:00'] };
const BERLIN = { timeZone: 'Europe/Berlin', shifts: ['06:00', '14:00', '22:00'] };
const hours = (shift: ShiftWindow | undefined) => (Date.parse(shift?.end ?? '') - Date.parse(shift?.start ?? '')) / 3_600_000;

describe('overview shifts', () => {
  it('ends with the shift running now, eight hours each, starting at 06:00, 14:00 and 22:00 in UTC', () => {
    const shifts = lastShifts(new Date('2026-11-26T03:10:00Z'), UTC_SHIFTS);
    expect(shifts).toHaveLength(6);
    expect(shifts.at(-1)).toEqual({ start: '2026-11-25T22:00:00.000Z', end: '2026-11-26T06:00:00.000Z', label: '22:00', localStart: '2026-11-25T22:00', localEnd: '2026-11-26T06:00' });
    expect(shifts[0]).toMatchObject({ start: '2026-11-24T06:00:00.000Z', end: '2026-11-24T14:00:00.000Z', label: '06:00' });
    expect(lastShifts(new Date('2026-11-26T14:00:00Z'), UTC_SHIFTS, 1)).toMatchObject([{ start: '2026-11-26T14:00:00.000Z', end: '2026-11-26T22:00:00.000Z', label: '14:00' }]);
  });

  it('places an instant in the shift holding it, the end excluded', () => {
    const shifts = lastShifts(new Date('2026-11-26T08:00:00Z'), UTC_SHIFTS);
    expect(shiftIndexOf(shifts, '2026-11-26T06:00:00.000Z')).toBe(5);
    expect(shiftIndexOf(shifts, '2026-11-26T05:59:59.999Z')).toBe(4);
    expect(shiftIndexOf(shifts, '2026-11-24T13:59:59.000Z')).toBe(-1);
  });

  it('starts the shifts at local time in the plant zone, in winter an hour before UTC in Berlin', () => {
    const shifts = lastShifts(new Date('2026-11-26T05:30:00Z'), BERLIN);
    expect(shifts.at(-1)).toEqual({ start: '2026-11-26T05:00:00.000Z', end: '2026-11-26T13:00:00.000Z', label: '06:00', localStart: '2026-11-26T06:00', localEnd: '2026-11-26T14:00' });
    expect(shifts.at(-2)).toMatchObject({ start: '2026-11-25T21:00:00.000Z', label: '22:00' });
  });

  it('makes the night shift nine hours long when the clocks go back (Europe/Berlin, 2026-10-25)', () => {
    const shifts = lastShifts(new Date('2026-10-25T12:00:00Z'), BERLIN);
    expect(shifts.map((shift) => [shift.label, shift.start, hours(shift)])).toEqual([
      ['14:00', '2026-10-23T12:00:00.000Z', 8],
      ['22:00', '2026-10-23T20:00:00.000Z', 8],
      ['06:00', '2026-10-24T04:00:00.000Z', 8],
      ['14:00', '2026-10-24T12:00:00.000Z', 8],
      ['22:00', '2026-10-24T20:00:00.000Z', 9],
      ['06:00', '2026-10-25T05:00:00.000Z', 8],
    ]);
    expect(shifts[4]).toMatchObject({ localStart: '2026-10-24T22:00', localEnd: '2026-10-25T06:00', end: '2026-10-25T05:00:00.000Z' });
  });

  it('makes the night shift seven hours long when the clocks go forward (Europe/Berlin, 2026-03-29)', () => {
    const shifts = lastShifts(new Date('2026-03-29T04:30:00Z'), BERLIN);
    const night = shifts.at(-2);
    expect(night).toMatchObject({ label: '22:00', start: '2026-03-28T21:00:00.000Z', end: '2026-03-29T04:00:00.000Z', localStart: '2026-03-28T22:00', localEnd: '2026-03-29T06:00' });
    expect(hours(night)).toBe(7);
    expect(shifts.at(-1)).toMatchObject({ label: '06:00', start: '2026-03-29T04:00:00.000Z', end: '2026-03-29T12:00:00.000Z' });
  });

  it('moves a start the clocks skip on by the gap, and takes the earlier of a time they pass twice', () => {
    const wall = (text: string) => Date.parse(`${text}Z`);
    expect(new Date(instantOfWall(wall('2026-03-29T02:30:00'), 'Europe/Berlin')).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(new Date(instantOfWall(wall('2026-10-25T02:30:00'), 'Europe/Berlin')).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(new Date(instantOfWall(wall('2026-07-01T12:00:00'), 'Asia/Kolkata')).toISOString()).toBe('2026-07-01T06:30:00.000Z');
    const gap = lastShifts(new Date('2026-03-29T06:00:00Z'), { timeZone: 'Europe/Berlin', shifts: ['02:30', '14:30'] });
    expect(gap.at(-1)).toMatchObject({ label: '02:30', start: '2026-03-29T01:30:00.000Z', localStart: '2026-03-29T03:30', end: '2026-03-29T12:30:00.000Z' });
    // 14:30 to the moved 03:30 on the clock: twelve hours elapsed, as the hour between was never on it.
    expect(hours(gap.at(-2))).toBe(12);
  });

  it('drops a start the gap moves onto the next one, so no shift is empty', () => {
    const shifts = lastShifts(new Date('2026-03-29T03:00:00Z'), { timeZone: 'Europe/Berlin', shifts: ['02:00', '03:00', '12:00'] });
    expect(shifts.every((shift) => hours(shift) > 0)).toBe(true);
    expect(shifts.at(-1)).toMatchObject({ start: '2026-03-29T01:00:00.000Z', end: '2026-03-29T10:00:00.000Z' });
  });

  it('covers six days with one shift a day and a day and a half with four', () => {
    const daily = lastShifts(new Date('2026-11-26T10:00:00Z'), { timeZone: 'America/Chicago', shifts: ['07:00'] });
    expect(daily.map((shift) => shift.localStart)).toEqual(['2026-11-20T07:00', '2026-11-21T07:00', '2026-11-22T07:00', '2026-11-23T07:00', '2026-11-24T07:00', '2026-11-25T07:00']);
    expect(daily.every((shift) => hours(shift) === 24)).toBe(true);
    const four = lastShifts(new Date('2026-11-26T10:00:00Z'), { timeZone: 'UTC', shifts: ['00:00', '06:00', '12:00', '18:00'] });
    expect(four.map((shift) => shift.localStart)).toEqual(['2026-11-25T00:00', '2026-11-25T06:00', '2026-11-25T12:00', '2026-11-25T18:00', '2026-11-26T00:00', '2026-11-26T06:00']);
  });
});

describe('the deprecated shiftBoundariesUtc', () => {
  it('gives the UTC times of day the latest shift of each start began, earliest first', () => {
    const berlin = { timeZone: 'Europe/Berlin', shifts: ['06:00', '14:00', '22:00'] };
    // Summer time: local 06:00 is 04:00 UTC.
    expect(shiftBoundariesUtc(lastShifts(new Date('2026-07-01T12:00:00Z'), berlin), 3)).toEqual(['04:00', '12:00', '20:00']);
    // The day the clocks go back (2026-10-25): the latest night shift began in summer time, the day's shifts in winter time.
    expect(shiftBoundariesUtc(lastShifts(new Date('2026-10-25T14:30:00Z'), berlin), 3)).toEqual(['05:00', '13:00', '20:00']);
    expect(shiftBoundariesUtc(lastShifts(new Date('2026-11-26T10:00:00Z'), { timeZone: 'America/Chicago', shifts: ['07:00'] }), 1)).toEqual(['13:00']);
    expect(shiftBoundariesUtc([], 3)).toEqual([]);
  });
});

describe('overview alerts', () => {
  const alert = (kind: OverviewAlert['kind'], severity: OverviewAlert['severity'], since: string): OverviewAlert => ({ kind, severity, since, message: `${kind} ${since}` });

  it('ranks the most severe first, then by kind, then the oldest, and keeps at most the limit', () => {
    const ranked = rankAlerts([
      alert('device-offline', 'warning', '2026-11-26T07:00:00Z'),
      alert('held', 'warning', '2026-11-26T06:00:00Z'),
      alert('overdue', 'critical', '2026-11-25T18:00:00Z'),
      alert('overdue', 'critical', '2026-11-24T18:00:00Z'),
    ], 3);
    expect(ranked.map((entry) => entry.message)).toEqual(['overdue 2026-11-24T18:00:00Z', 'overdue 2026-11-25T18:00:00Z', 'held 2026-11-26T06:00:00Z']);
  });

  it('counts the alerts of each kind and in all', () => {
    expect(countAlerts({ overdue: 25, held: 3, 'device-offline': 0 })).toEqual({ total: 28, byKind: { overdue: 25, held: 3, 'device-offline': 0 } });
  });
});

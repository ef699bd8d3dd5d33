import { describe, expect, it } from 'vitest';
import { lastShifts, rankAlerts, shiftIndexOf, type OverviewAlert } from '../../src/orders/index.js';

describe('overview shifts', () => {
  it('ends with the shift running now, eight hours each, starting at 06:00, 14:00 and 22:00 UTC', () => {
    const shifts = lastShifts(new Date('2026-11-26T03:10:00Z'));
    expect(shifts).toHaveLength(6);
    expect(shifts.at(-1)).toEqual({ start: '2026-11-25T22:00:00.000Z', end: '2026-11-26T06:00:00.000Z' });
    expect(shifts[0]).toEqual({ start: '2026-11-24T06:00:00.000Z', end: '2026-11-24T14:00:00.000Z' });
    expect(lastShifts(new Date('2026-11-26T14:00:00Z'), 1)).toEqual([{ start: '2026-11-26T14:00:00.000Z', end: '2026-11-26T22:00:00.000Z' }]);
  });

  it('places an instant in the shift holding it, the end excluded', () => {
    const shifts = lastShifts(new Date('2026-11-26T08:00:00Z'));
    expect(shiftIndexOf(shifts, '2026-11-26T06:00:00.000Z')).toBe(5);
    expect(shiftIndexOf(shifts, '2026-11-26T05:59:59.999Z')).toBe(4);
    expect(shiftIndexOf(shifts, '2026-11-24T13:59:59.000Z')).toBe(-1);
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
});

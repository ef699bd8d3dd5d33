/** How the overview's counts and shifts read: plain functions, tested without a browser. */
import type { AlertCounts, OverviewAlert, ShiftThroughput } from './overview-types.js';

const KIND_NAMES: Readonly<Record<OverviewAlert['kind'], string>> = { overdue: 'overdue', held: 'held', 'device-offline': 'devices offline' };

/** "20 of 45 shown, the most urgent first: 40 overdue, 5 held.", or "3 alerts: 2 overdue, 1 held." when every alert is listed. */
export function alertCountText(shown: number, counts: AlertCounts): string {
  const kinds = (Object.keys(KIND_NAMES) as OverviewAlert['kind'][])
    .filter((kind) => counts.byKind[kind] > 0)
    .map((kind) => `${counts.byKind[kind]} ${KIND_NAMES[kind]}`)
    .join(', ');
  const head = shown < counts.total ? `${shown} of ${counts.total} shown, the most urgent first` : `${counts.total} ${counts.total === 1 ? 'alert' : 'alerts'}`;
  return kinds === '' ? head : `${head}: ${kinds}.`;
}

/** How long a shift lasts in hours ("8 h"; "9 h" the night the clocks go back). */
export function shiftHours(shift: ShiftThroughput): string {
  const hours = (Date.parse(shift.end) - Date.parse(shift.start)) / 3_600_000;
  return `${Number.isInteger(hours) ? hours : hours.toFixed(1)} h`;
}

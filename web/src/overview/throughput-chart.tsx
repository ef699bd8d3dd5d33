/** The throughput of the last shifts as a bar chart drawn in SVG by React, with its numbers in a table for everyone. */
import { formatDateTime, formatDay, formatTime } from '../format';
import { shiftHours } from './overview-format';
import type { ShiftThroughput } from './overview-types';

const WIDTH = 640;
const HEIGHT = 240;
const TOP = 24;
const BOTTOM = 48;
const LEFT = 36;
const PLOT_HEIGHT = HEIGHT - TOP - BOTTOM;

/** The good quantity of a shift, per unit ("120 pcs, 12.5 kg"), or a dash when nothing completed. */
export function quantityText(shift: ShiftThroughput): string {
  const parts = Object.entries(shift.goodQuantityByUnit).map(([unit, quantity]) => `${quantity} ${unit}`);
  return parts.length === 0 ? '—' : parts.join(', ');
}

/** The chart of completed orders per shift, oldest first; the last shift is the one in progress. Times on the plant's clock, `timeZone`. */
export function ThroughputChart(props: { readonly shifts: readonly ShiftThroughput[]; readonly timeZone: string }) {
  const { shifts, timeZone } = props;
  // The shift's name: its day and its start in the pattern ("26 Nov, 06:00").
  const shiftName = (shift: ShiftThroughput) => `${formatDay(shift.start, timeZone)}, ${shift.label}`;
  const max = Math.max(1, ...shifts.map((shift) => shift.completedOrders));
  const slot = (WIDTH - LEFT) / Math.max(1, shifts.length);
  const barWidth = slot * 0.6;
  const heightOf = (count: number) => (count / max) * PLOT_HEIGHT;
  const label = `Completed orders per shift, oldest first: ${shifts
    .map((shift, index) => `${shiftName(shift)}${index === shifts.length - 1 ? ' (current shift)' : ''}: ${shift.completedOrders}`)
    .join('; ')}`;
  return (
    <figure className="overview-chart">
      <svg className="overview-chart-svg" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
        <line className="overview-axis" x1={LEFT} x2={WIDTH} y1={TOP + PLOT_HEIGHT} y2={TOP + PLOT_HEIGHT} />
        <line className="overview-grid" x1={LEFT} x2={WIDTH} y1={TOP} y2={TOP} />
        <text className="overview-tick" x={LEFT - 6} y={TOP + 4} textAnchor="end">{max}</text>
        <text className="overview-tick" x={LEFT - 6} y={TOP + PLOT_HEIGHT + 4} textAnchor="end">0</text>
        {shifts.map((shift, index) => {
          const x = LEFT + index * slot + (slot - barWidth) / 2;
          const height = heightOf(shift.completedOrders);
          const current = index === shifts.length - 1;
          return (
            <g key={shift.start}>
              <rect
                className={current ? 'overview-bar overview-bar-current' : 'overview-bar'}
                x={x}
                y={TOP + PLOT_HEIGHT - height}
                width={barWidth}
                height={height}
              />
              <text className="overview-value" x={x + barWidth / 2} y={TOP + PLOT_HEIGHT - height - 6} textAnchor="middle">
                {shift.completedOrders}
              </text>
              <text className="overview-tick" x={x + barWidth / 2} y={TOP + PLOT_HEIGHT + 18} textAnchor="middle">
                {formatDay(shift.start, timeZone)}
              </text>
              <text className="overview-tick" x={x + barWidth / 2} y={TOP + PLOT_HEIGHT + 36} textAnchor="middle">
                {current ? `${shift.label} (now)` : shift.label}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="muted">Completed orders per shift; the last bar is the shift in progress.</figcaption>
      <details className="overview-details">
        <summary>Throughput as a table</summary>
        <div className="overview-table-scroll">
          <table className="overview-table">
            <caption className="visually-hidden">Throughput per shift</caption>
            <thead>
              <tr>
                <th scope="col">Shift</th>
                <th scope="col">Length</th>
                <th scope="col">Completed orders</th>
                <th scope="col">Good quantity</th>
              </tr>
            </thead>
            <tbody>
              {shifts.map((shift) => (
                <tr key={shift.start}>
                  <th scope="row">
                    {formatDateTime(shift.start, timeZone)} – {formatTime(shift.end, timeZone)}
                  </th>
                  <td>{shiftHours(shift)}</td>
                  <td>{shift.completedOrders}</td>
                  <td>{quantityText(shift)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

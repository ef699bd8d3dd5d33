/** How orders read on the floor screens: states in words, quantities with units, sums of exact decimals. */
import type { OrderState } from './floor-types.js';

const STATE_NAMES: Readonly<Record<OrderState, string>> = {
  draft: 'Draft',
  submitted: 'Submitted',
  released: 'Released',
  dispatched: 'Ready to start',
  running: 'Running',
  paused: 'Paused',
  held: 'On hold',
  completed: 'Completed',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

/** A state as people on the floor say it. */
export function stateName(state: OrderState): string {
  return STATE_NAMES[state] ?? state;
}

/** "12.5 kg". */
export function formatQuantity(value: string, unit: string): string {
  return `${value} ${unit}`;
}

/** The digits after the point of a decimal string. */
function scaleOf(value: string): number {
  const point = value.indexOf('.');
  return point === -1 ? 0 : value.length - point - 1;
}

/** Exact sum of decimal strings as the API writes them ("12.5" + "0.25" = "12.75"), without floating point. */
export function sumDecimals(values: readonly string[]): string {
  const scale = Math.max(0, ...values.map(scaleOf));
  let total = 0n;
  for (const value of values) {
    const [whole = '0', fraction = ''] = value.split('.');
    total += BigInt(`${whole}${fraction.padEnd(scale, '0')}`);
  }
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/** How order states and dates read on the order screens. */
import type { OrderState } from './order-types';

const STATE_NAMES: Readonly<Record<OrderState, string>> = {
  draft: 'Draft',
  submitted: 'Submitted',
  released: 'Released',
  dispatched: 'Dispatched',
  running: 'Running',
  paused: 'Paused',
  held: 'Held',
  completed: 'Completed',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

/** A state as people read it. */
export function stateName(state: OrderState): string {
  return STATE_NAMES[state] ?? state;
}

/** The badge for a state: its name, with where a hold came from. */
export function StateBadge(props: { readonly state: OrderState; readonly heldFrom?: OrderState | null }) {
  return (
    <span className={`state-badge state-${props.state}`}>
      {stateName(props.state)}
      {props.state === 'held' && props.heldFrom ? ` (was ${stateName(props.heldFrom).toLowerCase()})` : ''}
    </span>
  );
}

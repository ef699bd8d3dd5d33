/**
 * The orders of one work center that are on the floor (ready, running, paused, on hold), kept up
 * to date live: every change the server announces reloads them, so a second tablet at the same
 * work center sees a start or a report without reloading the page.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { fetchOrders, listOrders } from './floor-api';
import type { OrderDetail, OrderState } from './floor-types';
import { BoardOrder } from './board-order';
import { useOrderEvents, type LiveState } from './use-order-events';

/** What the board shows, most urgent first: running, paused, ready, on hold. */
const BOARD_STATES: readonly OrderState[] = ['running', 'paused', 'dispatched', 'held'];

const LIVE_TEXT: Readonly<Record<LiveState, string>> = {
  connecting: 'Connecting for live updates…',
  live: 'Live: changes show as they happen.',
  offline: 'Live updates are interrupted; retrying. Changes by others may not show.',
};

/** Running first, then by due date. */
function boardOrder(a: OrderDetail, b: OrderDetail): number {
  return BOARD_STATES.indexOf(a.state) - BOARD_STATES.indexOf(b.state) || a.dueEnd.localeCompare(b.dueEnd) || a.number.localeCompare(b.number);
}

/** The board of work center `workCenterId`. */
export function OrderBoard(props: { readonly workCenterId: string; readonly workCenterName: string }) {
  const [orders, setOrders] = useState<readonly OrderDetail[]>();
  const [error, setError] = useState<unknown>();
  // Loads overlap when events come in bursts: only the latest one's answer is shown.
  const loads = useRef(0);

  const load = useCallback(async () => {
    loads.current += 1;
    const mine = loads.current;
    try {
      const listed = await listOrders(BOARD_STATES, props.workCenterId);
      const details = await fetchOrders(listed.map((order) => order.id));
      if (mine !== loads.current) return;
      setOrders([...details].sort(boardOrder));
      setError(undefined);
    } catch (failure) {
      if (mine === loads.current) setError(failure);
    }
  }, [props.workCenterId]);

  useEffect(() => {
    setOrders(undefined);
    void load();
  }, [load]);

  const live = useOrderEvents(props.workCenterId, () => void load());

  const replace = (changed: OrderDetail) => {
    setOrders((current) => (current ?? []).map((order) => (order.id === changed.id && order.version <= changed.version ? changed : order)).filter((order) => BOARD_STATES.includes(order.state)));
  };

  return (
    <section className="stack" aria-labelledby="board-heading">
      <h2 id="board-heading" className="visually-hidden">
        Orders at {props.workCenterName}
      </h2>
      <p className={`floor-live floor-live-${live}`} role="status">
        {LIVE_TEXT[live]}
      </p>
      <ErrorAlert error={error} />
      {orders === undefined && error === undefined && <p className="muted">Loading orders…</p>}
      {orders !== undefined && orders.length === 0 && <p className="floor-board-empty">No orders are dispatched to {props.workCenterName}.</p>}
      {orders !== undefined && orders.length > 0 && (
        <ul className="floor-board" aria-label={`Orders at ${props.workCenterName}`}>
          {orders.map((order) => (
            <li key={order.id}>
              <BoardOrder order={order} onChanged={replace} onStale={() => void load()} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

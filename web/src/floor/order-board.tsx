/**
 * The orders of one work center that are on the floor (ready, running, paused, on hold), kept up
 * to date live: each change the server announces fetches that one order (see board-sync.ts), so a
 * second tablet at the same work center sees a start or a report without reloading the page, and
 * the whole board is listed again only when the stream (re)opens.
 */
import { useEffect, useRef, useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { BOARD_STATES } from './board-model';
import { BoardSync } from './board-sync';
import { fetchOrder, listOrders } from './floor-api';
import type { OrderDetail } from './floor-types';
import { BoardOrder } from './board-order';
import { useOrderEvents, type LiveStatus } from './use-order-events';

/** The line telling whether the board is live. */
function liveText(live: LiveStatus): string {
  switch (live.state) {
    case 'connecting':
      return 'Connecting for live updates…';
    case 'live':
      return 'Live: changes show as they happen.';
    case 'offline':
      return 'Live updates are interrupted; retrying. Changes by others may not show.';
    case 'refused':
      return `Live updates are refused: ${live.reason ?? 'the server said no'}. Changes by others do not show; reload the page once this is put right.`;
  }
}

/** The board of work center `workCenterId`. */
export function OrderBoard(props: { readonly workCenterId: string; readonly workCenterName: string }) {
  const [orders, setOrders] = useState<readonly OrderDetail[]>();
  const [error, setError] = useState<unknown>();
  const sync = useRef<BoardSync | undefined>(undefined);

  useEffect(() => {
    const board = new BoardSync({
      source: { list: () => listOrders(BOARD_STATES, props.workCenterId), fetch: (id) => fetchOrder(id) },
      onBoard: setOrders,
      onError: setError,
    });
    sync.current = board;
    setOrders(undefined);
    return () => board.close();
  }, [props.workCenterId]);

  // The board loads when the stream opens (and again when it reopens); without a stream, once all the same.
  const live = useOrderEvents(props.workCenterId, { onOpen: () => sync.current?.reload(), onEvent: (event) => sync.current?.heard(event) });
  useEffect(() => {
    if (live.state === 'offline' || live.state === 'refused') sync.current?.ensureLoaded();
  }, [live.state]);

  const changed = (order: OrderDetail) => sync.current?.changed(order);

  return (
    <section className="stack" aria-labelledby="board-heading">
      <h2 id="board-heading" className="visually-hidden">
        Orders at {props.workCenterName}
      </h2>
      <p className={`floor-live floor-live-${live.state}`} role="status">
        {liveText(live)}
      </p>
      <ErrorAlert error={error} />
      {orders === undefined && error === undefined && <p className="muted">Loading orders…</p>}
      {orders !== undefined && orders.length === 0 && <p className="floor-board-empty">No orders are dispatched to {props.workCenterName}.</p>}
      {orders !== undefined && orders.length > 0 && (
        <ul className="floor-board" aria-label={`Orders at ${props.workCenterName}`}>
          {orders.map((order) => (
            <li key={order.id}>
              <BoardOrder order={order} onChanged={changed} onStale={() => sync.current?.refresh(order)} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

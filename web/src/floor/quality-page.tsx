/** Quality: the orders in production within the inspector's scope, to hold, and those on hold, to release with a signature. */
import { useCallback, useEffect, useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { usePageTitle } from '../page-title';
import { PAGE_REFRESH_MS, usePolled } from '../use-polled';
import { fetchOrders, listOrders } from './floor-api';
import type { OrderDetail, OrderState } from './floor-types';
import { QualityOrder } from './quality-order';
import './floor.css';


/** The states quality may hold an order in (src/domain/lifecycle.ts HOLDABLE). */
const HOLDABLE: readonly OrderState[] = ['released', 'dispatched', 'running', 'paused'];

/** The quality page. */
export function QualityPage() {
  usePageTitle('Quality');
  // Read again every 30 s while the page is visible: holds and releases by others show up without a click.
  const read = useCallback(async () => fetchOrders((await listOrders(['held', ...HOLDABLE])).map((order) => order.id)), []);
  const { value, error, reload } = usePolled(read, PAGE_REFRESH_MS);
  // The last read, with this page's own changes applied on top until the next read.
  const [orders, setOrders] = useState<readonly OrderDetail[]>();
  useEffect(() => setOrders(value), [value]);

  const replace = (changed: OrderDetail) => setOrders((current) => (current ?? []).map((order) => (order.id === changed.id ? changed : order)));
  const held = orders?.filter((order) => order.state === 'held') ?? [];
  const holdable = orders?.filter((order) => HOLDABLE.includes(order.state)) ?? [];

  return (
    <div className="stack floor">
      <div className="floor-page-head">
        <h1>Quality</h1>
        <button type="button" className="button" onClick={() => void reload()}>
          Refresh
        </button>
      </div>
      <ErrorAlert error={error} />
      {orders === undefined && error === undefined && <p className="muted">Loading orders…</p>}
      {orders !== undefined && (
        <>
          <section className="stack" aria-labelledby="held-heading">
            <h2 id="held-heading">On hold</h2>
            {held.length === 0 ? (
              <p className="muted">No order is on hold.</p>
            ) : (
              <ul className="floor-board" aria-label="Orders on hold">
                {held.map((order) => (
                  <li key={order.id}>
                    <QualityOrder order={order} onChanged={replace} onStale={() => void reload()} />
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="stack" aria-labelledby="production-heading">
            <h2 id="production-heading">In production</h2>
            {holdable.length === 0 ? (
              <p className="muted">No order is released or on the floor.</p>
            ) : (
              <ul className="floor-board" aria-label="Orders in production">
                {holdable.map((order) => (
                  <li key={order.id}>
                    <QualityOrder order={order} onChanged={replace} onStale={() => void reload()} />
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </div>
  );
}

/** Quality: the orders in production within the inspector's scope, to hold, and those on hold, to release with a signature. */
import { useCallback, useEffect, useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { usePageTitle } from '../page-title';
import { fetchOrders, listOrders } from './floor-api';
import type { OrderDetail, OrderState } from './floor-types';
import { QualityOrder } from './quality-order';
import './floor.css';

/** The states quality may hold an order in (src/domain/lifecycle.ts HOLDABLE). */
const HOLDABLE: readonly OrderState[] = ['released', 'dispatched', 'running', 'paused'];

/** The quality page. */
export function QualityPage() {
  usePageTitle('Quality');
  const [orders, setOrders] = useState<readonly OrderDetail[]>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(async () => {
    try {
      const listed = await listOrders(['held', ...HOLDABLE]);
      setOrders(await fetchOrders(listed.map((order) => order.id)));
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const replace = (changed: OrderDetail) => setOrders((current) => (current ?? []).map((order) => (order.id === changed.id ? changed : order)));
  const held = orders?.filter((order) => order.state === 'held') ?? [];
  const holdable = orders?.filter((order) => HOLDABLE.includes(order.state)) ?? [];

  return (
    <div className="stack floor">
      <div className="floor-page-head">
        <h1>Quality</h1>
        <button type="button" className="button" onClick={() => void load()}>
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
                    <QualityOrder order={order} onChanged={replace} onStale={() => void load()} />
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
                    <QualityOrder order={order} onChanged={replace} onStale={() => void load()} />
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

/** One order: its header, routing, materials, parameters and signatures, and what the user may do next. */
import { useCallback, useEffect, useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { usePageTitle } from '../page-title';
import { Link } from '../router';
import { useSignedInUser } from '../session-context';
import { OrderActions } from './order-actions';
import { OrderContentView } from './order-content-view';
import { OrderHistory } from './order-history';
import { fetchOrder, readsConfidential } from './orders-api';
import type { OrderDetail } from './order-types';
import { useWorkCenters } from './use-work-centers';

/** The order `id`, reloaded after each action on it. */
export function OrderPage(props: { readonly id: string }) {
  const user = useSignedInUser();
  const confidential = readsConfidential(user);
  const { nameOf } = useWorkCenters();
  const [order, setOrder] = useState<OrderDetail>();
  const [error, setError] = useState<unknown>();
  usePageTitle(order === undefined ? 'Order' : `Order ${order.number}`);

  const load = useCallback(async () => {
    try {
      setOrder(await fetchOrder(props.id, confidential, user.id));
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  }, [props.id, confidential, user.id]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="stack">
      <p>
        <Link to="/orders">All orders</Link>
      </p>
      <h1>Order {order?.number ?? ''}</h1>
      <ErrorAlert error={error} />
      {order === undefined && error === undefined && <p className="muted">Loading…</p>}
      {order !== undefined && (
        <>
          <OrderActions order={order} onChanged={() => load()} />
          <OrderHistory order={order} />
          <OrderContentView order={order} nameOf={nameOf} />
          <p>
            <Link to={`/orders/${order.id}/revisions`}>Revision history</Link>
          </p>
        </>
      )}
    </div>
  );
}

/** The approver's queue: submitted orders waiting for a release, newest first, a page at a time. */
import { useEffect, useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { usePageTitle } from '../page-title';
import { OrderTable } from './order-table';
import { listOrders } from './orders-api';
import type { OrderPage } from './order-types';
import { useWorkCenters } from './use-work-centers';

/** The approval queue. */
export function ApprovalsPage() {
  usePageTitle('Approvals');
  const { nameOf } = useWorkCenters();
  const [cursors, setCursors] = useState<readonly (string | undefined)[]>([undefined]);
  const [page, setPage] = useState<OrderPage>();
  const [error, setError] = useState<unknown>();
  const cursor = cursors.at(-1);

  useEffect(() => {
    listOrders({ state: 'submitted' }, cursor).then(setPage, setError);
  }, [cursor]);

  return (
    <div className="stack">
      <h1>Approvals</h1>
      <p>Orders submitted for release. Open one to compare it with what was released before and sign its release.</p>
      <ErrorAlert error={error} />
      {page === undefined && error === undefined && <p className="muted">Loading…</p>}
      {page !== undefined && (
        <>
          <OrderTable caption="Orders waiting for approval" orders={page.items} nameOf={nameOf} linkTo={(order) => `/approvals/${order.id}`} />
          <nav className="actions" aria-label="Pages">
            <button type="button" className="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous page
            </button>
            <button type="button" className="button" disabled={page.nextCursor === null} onClick={() => page.nextCursor !== null && setCursors([...cursors, page.nextCursor])}>
              Next page
            </button>
          </nav>
        </>
      )}
    </div>
  );
}

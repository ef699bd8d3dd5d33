/**
 * The planner's order list: filters and searches the server applies (number, item code prefix,
 * customer reference for those who may see it, state, work center, due date; a due window soonest
 * due first) and keyset paging, so it reads one page at a time however many orders there are.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { plantTimeZone, timeZoneLabel } from '../format';
import { usePageTitle } from '../page-title';
import { Link } from '../router';
import { useSignedInUser } from '../session-context';
import { dayBound } from './order-dates';
import { OrderTable } from './order-table';
import { listOrders, readsConfidential, type OrderFilter } from './orders-api';
import { stateName } from './order-format';
import { ORDER_STATES, type OrderPage, type OrderState } from './order-types';
import { useWorkCenters } from './use-work-centers';

/** The order list with its filters. */
export function OrdersPage() {
  usePageTitle('Orders');
  const user = useSignedInUser();
  const { workCenters, nameOf } = useWorkCenters();
  const [number, setNumber] = useState('');
  const [state, setState] = useState('');
  const [workCenterId, setWorkCenterId] = useState('');
  const [dueFrom, setDueFrom] = useState('');
  const [dueTo, setDueTo] = useState('');
  const [itemPrefix, setItemPrefix] = useState('');
  const [customer, setCustomer] = useState('');
  const [filter, setFilter] = useState<OrderFilter>({});
  // The cursors of the pages before this one (keyset paging goes forward; back is the stack).
  const [cursors, setCursors] = useState<readonly (string | undefined)[]>([undefined]);
  const [page, setPage] = useState<OrderPage>();
  const [error, setError] = useState<unknown>();

  const cursor = cursors.at(-1);
  const load = useCallback(async () => {
    setError(undefined);
    try {
      setPage(await listOrders(filter, cursor));
    } catch (failure) {
      setError(failure);
      setPage(undefined);
    }
  }, [filter, cursor]);

  useEffect(() => {
    void load();
  }, [load]);

  // Only roles that may see customer references may search by them (the server refuses the others).
  const mayFindCustomers = readsConfidential(user);
  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const from = dayBound(dueFrom, false);
    const to = dayBound(dueTo, true);
    setFilter({
      ...(number.trim() !== '' ? { number: number.trim() } : {}),
      ...(state !== '' ? { state: state as OrderState } : {}),
      ...(workCenterId !== '' ? { workCenterId } : {}),
      ...(from !== undefined ? { dueFrom: from } : {}),
      ...(to !== undefined ? { dueTo: to } : {}),
      ...(itemPrefix.trim() !== '' ? { itemPrefix: itemPrefix.trim() } : {}),
      ...(mayFindCustomers && customer.trim() !== '' ? { customer: customer.trim() } : {}),
      // A due window reads best soonest due first, and the server walks its due-date index for it.
      ...(from !== undefined || to !== undefined ? { sort: 'due' as const } : {}),
    });
    setCursors([undefined]);
  };

  const isPlanner = user.roles.some((assignment) => assignment.role === 'planner');
  return (
    <div className="stack">
      <div className="page-heading">
        <h1>Orders</h1>
        {isPlanner && (
          <Link to="/orders/new" className="button button-primary">
            New order
          </Link>
        )}
      </div>
      <form className="card filter-form" aria-label="Filter orders" onSubmit={apply}>
        <div className="field">
          <label htmlFor="filter-number">Order number</label>
          <input id="filter-number" className="input" value={number} onChange={(event) => setNumber(event.target.value)} autoComplete="off" spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor="filter-item">Item code starts with</label>
          <input id="filter-item" className="input" value={itemPrefix} onChange={(event) => setItemPrefix(event.target.value)} autoComplete="off" spellCheck={false} />
        </div>
        {mayFindCustomers && (
          <div className="field">
            <label htmlFor="filter-customer">Customer reference</label>
            <input
              id="filter-customer" className="input" value={customer} onChange={(event) => setCustomer(event.target.value)}
              autoComplete="off" spellCheck={false} aria-describedby="filter-customer-hint"
            />
            <span id="filter-customer-hint" className="muted">The whole reference; letter case does not matter. Searches are recorded in the audit log.</span>
          </div>
        )}
        <div className="field">
          <label htmlFor="filter-state">State</label>
          <select id="filter-state" className="input" value={state} onChange={(event) => setState(event.target.value)}>
            <option value="">Any state</option>
            {ORDER_STATES.map((value) => (
              <option key={value} value={value}>
                {stateName(value)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-work-center">Work center</label>
          <select id="filter-work-center" className="input" value={workCenterId} onChange={(event) => setWorkCenterId(event.target.value)}>
            <option value="">Any work center</option>
            {workCenters.map((center) => (
              <option key={center.id} value={center.id}>
                {center.name} ({center.code})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-due-from">Due from</label>
          <input id="filter-due-from" className="input" type="date" value={dueFrom} onChange={(event) => setDueFrom(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="filter-due-to">Due until</label>
          <input id="filter-due-to" className="input" type="date" value={dueTo} onChange={(event) => setDueTo(event.target.value)} />
        </div>
        <div className="filter-actions">
          <button type="submit" className="button button-primary">
            Show orders
          </button>
        </div>
      </form>
      <ErrorAlert error={error} />
      {page === undefined && error === undefined && <p className="muted">Loading…</p>}
      {page?.customerIndexComplete === false && (
        <p className="muted" role="status">Some older orders are not yet indexed for customer search; an administrator can run forgeline order reindex.</p>
      )}
      {page?.customerIndexUnreadable !== undefined && page.customerIndexUnreadable > 0 && (
        <p className="muted" role="status">
          {page.customerIndexUnreadable === 1 ? '1 order' : `${page.customerIndexUnreadable} orders`} cannot be found by customer: the customer reference does not decrypt. An administrator&apos;s forgeline order reindex lists them.
        </p>
      )}
      {page !== undefined && (
        <>
          <OrderTable caption={`Orders, page ${cursors.length}`} orders={page.items} nameOf={nameOf} linkTo={(order) => `/orders/${order.id}`} />
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
      <p className="muted">
        {filter.sort === 'due' ? 'Soonest due first' : 'Newest first'}; dates and times {plantTimeZone() === undefined ? `in ${timeZoneLabel()}` : `in plant time (${timeZoneLabel()})`}.
      </p>
    </div>
  );
}

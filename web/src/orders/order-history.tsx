/** An order's history: who changed it how and when, with the reasons given; a hold's reason shown on top while it lasts. */
import { useEffect, useState } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { formatDateTime } from '../format';
import { fetchHistory } from './orders-api';
import type { HistoryEvent, OrderDetail } from './order-types';

/** The history of `order`, reloaded whenever its version changes. */
export function OrderHistory(props: { readonly order: OrderDetail }) {
  const { id, version, state } = props.order;
  const [events, setEvents] = useState<readonly HistoryEvent[]>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let live = true;
    fetchHistory(id).then(
      (loaded) => live && setEvents(loaded),
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [id, version]);

  const hold = state === 'held' ? events?.filter((event) => event.action === 'hold').at(-1) : undefined;
  return (
    <>
      {hold !== undefined && (
        <section className="hold-banner" aria-labelledby="hold-heading">
          <h2 id="hold-heading">On hold</h2>
          <p>
            Reason: <strong>{hold.reason}</strong>
          </p>
          <p className="muted">
            Held by {hold.actor} on {formatDateTime(hold.at)}.
          </p>
        </section>
      )}
      <section className="card stack" aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <ErrorAlert error={error} />
        {events !== undefined && (
          <ol className="plain-list" aria-label="Changes">
            {events.map((event, index) => (
              <li key={index}>
                {formatDateTime(event.at)}: <strong>{event.action}</strong> by {event.actor}
                {event.revision !== null ? ` (revision ${event.revision})` : ''}
                {event.reason !== null ? `; reason: ${event.reason}` : ''}
                {event.note !== null ? `; note: ${event.note}` : ''}
              </li>
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

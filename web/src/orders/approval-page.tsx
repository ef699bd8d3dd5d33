/**
 * One submitted order for the approver: what changed since the last released revision (or that
 * this is its first release), the release behind an electronic signature, and cancelling.
 */
import { useCallback, useEffect, useState } from 'react';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { usePageTitle } from '../page-title';
import { Link } from '../router';
import { useSignedInUser } from '../session-context';
import { OrderActions } from './order-actions';
import { OrderContentView } from './order-content-view';
import { OrderHistory } from './order-history';
import { fetchOrder, fetchRevision } from './orders-api';
import type { OrderDetail, RevisionDetail } from './order-types';
import { ReleaseDialog } from './release-dialog';
import { RevisionDiff } from './revision-diff';
import { useWorkCenters } from './use-work-centers';

/** The last revision released by a signature, or undefined when the order was never released. */
function lastReleased(order: OrderDetail): number | undefined {
  return order.signatures.filter((signature) => signature.action === 'release').at(-1)?.revision;
}

/** The review of order `id`. */
export function ApprovalPage(props: { readonly id: string }) {
  const { nameOf } = useWorkCenters();
  const reader = useSignedInUser().id;
  const [order, setOrder] = useState<OrderDetail>();
  const [baseline, setBaseline] = useState<RevisionDetail>();
  const [error, setError] = useState<unknown>();
  const [signing, setSigning] = useState(false);
  const [message, setMessage] = useState<string>();
  usePageTitle(order === undefined ? 'Approval' : `Approve ${order.number}`);

  const load = useCallback(async () => {
    try {
      const loaded = await fetchOrder(props.id, true, reader);
      const released = lastReleased(loaded);
      setBaseline(released === undefined ? undefined : await fetchRevision(props.id, released, true, reader));
      setOrder(loaded);
      setError(undefined);
    } catch (failure) {
      setError(failure);
    }
  }, [props.id, reader]);

  useEffect(() => {
    void load();
  }, [load]);

  const released = async (signed: OrderDetail) => {
    setSigning(false);
    setMessage(`Released: revision ${signed.revision} signed as “${signed.signatures.at(-1)?.meaning ?? ''}”.`);
    await load();
  };

  return (
    <div className="stack">
      <p>
        <Link to="/approvals">Approval queue</Link>
      </p>
      <h1>Approve order {order?.number ?? ''}</h1>
      <ErrorAlert error={error} />
      <StatusMessage>{message}</StatusMessage>
      {order === undefined && error === undefined && <p className="muted">Loading…</p>}
      {order !== undefined && (
        <>
          <section className="card stack" aria-labelledby="changes-heading">
            <h2 id="changes-heading">{baseline === undefined ? 'First release' : `Changes since released revision ${baseline.revision}`}</h2>
            {baseline === undefined && <p>This order was never released: every field below is new.</p>}
            <RevisionDiff
              label={baseline === undefined ? 'Content of the first release' : `Released revision ${baseline.revision} and revision ${order.revision}`}
              leftTitle={baseline === undefined ? 'Released before' : `Released revision ${baseline.revision}`}
              rightTitle={`Revision ${order.revision} (to release)`}
              left={baseline?.content}
              right={order.content}
            />
          </section>
          {order.state === 'submitted' && (
            <div className="actions">
              <button type="button" className="button button-primary" onClick={() => setSigning(true)}>
                Release…
              </button>
            </div>
          )}
          {signing && <ReleaseDialog order={order} onReleased={(signed) => void released(signed)} onClose={() => setSigning(false)} />}
          <OrderActions order={order} onChanged={() => load()} reviewing />
          <OrderHistory order={order} />
          <OrderContentView order={order} nameOf={nameOf} />
        </>
      )}
    </div>
  );
}

/** One order on the quality page: put it on hold with a reason, or release its hold with an electronic signature. */
import { useState, type FormEvent } from 'react';
import { isApiError } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { TextField } from '../components/text-field';
import { orderCommand } from './floor-api';
import { stateName } from './floor-format';
import type { OrderDetail } from './floor-types';
import { OrderFacts, StateBadge } from './order-facts';
import { SignatureDialog, type SignatureInput } from './signature-dialog';

/** What the hold's release means unless the inspector says otherwise (src/domain/order.ts DEFAULT_SIGNATURE_MEANINGS). */
const UNHOLD_MEANING = 'released from hold';

/** The order's card with its hold or release; `onChanged` gets the order after the change, `onStale` asks for a reload. */
export function QualityOrder(props: { readonly order: OrderDetail; readonly onChanged: (order: OrderDetail) => void; readonly onStale: () => void }) {
  const { order } = props;
  const [holding, setHolding] = useState(false);
  const [signing, setSigning] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const headingId = `quality-${order.id}`;

  const refused = (failure: unknown) => {
    if (isApiError(failure, 'stale-version') || isApiError(failure, 'illegal-transition')) props.onStale();
  };

  const hold = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      props.onChanged(await orderCommand(order.id, 'hold', { version: order.version, reason: reason.trim() }));
      setHolding(false);
      setReason('');
    } catch (failure) {
      setError(failure);
      refused(failure);
    } finally {
      setBusy(false);
    }
  };

  const unhold = async (signature: SignatureInput) => {
    try {
      props.onChanged(await orderCommand(order.id, 'unhold', { version: order.version, ...signature }));
      setSigning(false);
    } catch (failure) {
      refused(failure);
      throw failure;
    }
  };

  return (
    <article className="floor-board-order" aria-labelledby={headingId}>
      <header className="floor-board-order-head">
        <h2 id={headingId}>{order.number}</h2>
        <StateBadge order={order} />
      </header>
      <OrderFacts order={order} />
      {order.state === 'held' && order.heldFrom !== null && <p>Held while {stateName(order.heldFrom).toLowerCase()}.</p>}
      <ErrorAlert error={error} />
      {order.state === 'held' ? (
        <div className="floor-board-actions">
          <button type="button" className="button button-primary floor-button-large" aria-describedby={headingId} onClick={() => setSigning(true)}>
            Release hold
          </button>
        </div>
      ) : holding ? (
        <form className="form" aria-label={`Hold ${order.number}`} onSubmit={(event) => void hold(event)}>
          <TextField label="Reason for the hold" value={reason} onValueChange={setReason} autoComplete="off" />
          <div className="actions">
            <button type="submit" className="button button-danger floor-button-large" disabled={busy}>
              Put on hold
            </button>
            <button type="button" className="button floor-button-large" onClick={() => setHolding(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="floor-board-actions">
          <button type="button" className="button floor-button-large" aria-describedby={headingId} onClick={() => setHolding(true)}>
            Hold
          </button>
        </div>
      )}
      {signing && (
        <SignatureDialog
          order={order}
          title={`Release the hold on ${order.number}`}
          actionLabel="Release from quality hold"
          defaultMeaning={UNHOLD_MEANING}
          onSign={unhold}
          onClose={() => setSigning(false)}
        />
      )}
    </article>
  );
}

/** What the user's roles let them do with an order in its state: edit, submit, review, hold, cancel. */
import { useState } from 'react';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { Link } from '../router';
import { useSignedInUser } from '../session-context';
import type { Role } from '../types';
import { orderCommand } from './orders-api';
import { ReasonForm } from './reason-form';
import { HOLDABLE_STATES, RELEASED_STATES, type OrderDetail, type OrderState } from './order-types';

/** States an order can still be cancelled from (src/domain/lifecycle.ts). */
const CANCELLABLE: readonly OrderState[] = ['draft', 'submitted', ...HOLDABLE_STATES, 'held'];

/** The actions for `order`; `onChanged` reloads it after one succeeded; `reviewing` on the approval screen itself. */
export function OrderActions(props: { readonly order: OrderDetail; readonly onChanged: () => Promise<void>; readonly reviewing?: boolean }) {
  const { order } = props;
  const user = useSignedInUser();
  const holds = (role: Role) => user.roles.some((assignment) => assignment.role === role);
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);

  const run = async (command: string, body: Record<string, unknown>, done: string): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      await orderCommand(order.id, command, { version: order.version, ...body });
      setMessage(done);
      await props.onChanged();
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const canCancel = CANCELLABLE.includes(order.state) && (RELEASED_STATES.includes(order.state) ? holds('approver') : holds('planner') || holds('approver'));
  return (
    <section className="card stack" aria-labelledby="actions-heading">
      <h2 id="actions-heading">Actions</h2>
      <StatusMessage>{message}</StatusMessage>
      <ErrorAlert error={error} />
      <div className="actions">
        {order.state === 'draft' && holds('planner') && (
          <>
            <Link to={`/orders/${order.id}/edit`} className="button">
              Edit draft
            </Link>
            <button type="button" className="button button-primary" disabled={busy} onClick={() => void run('submit', {}, 'Submitted for approval.')}>
              Submit for approval
            </button>
          </>
        )}
        {order.state === 'submitted' && holds('approver') && !props.reviewing && (
          <Link to={`/approvals/${order.id}`} className="button button-primary">
            Review for release
          </Link>
        )}
      </div>
      {HOLDABLE_STATES.includes(order.state) && holds('quality') && (
        <ReasonForm action="Hold order" reasonLabel="Reason for the hold" busy={busy} onSubmit={(reason) => run('hold', { reason }, `Held: ${reason}`)} />
      )}
      {canCancel && (
        <ReasonForm
          action="Cancel order"
          reasonLabel="Reason for cancelling"
          busy={busy}
          signed={RELEASED_STATES.includes(order.state)}
          onSubmit={(reason, signature) => run('cancel', { reason, ...signature }, `Cancelled: ${reason}`)}
        />
      )}
    </section>
  );
}

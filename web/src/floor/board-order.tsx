/**
 * One order on the work-center board: what to make, how far it is, the routing and materials,
 * its setpoints on request, and the big buttons for what the operator may do next in its state.
 */
import { useEffect, useRef, useState } from 'react';
import { isApiError } from '../api';
import { ErrorAlert } from '../components/error-alert';
import { orderCommand, type FloorCommand } from './floor-api';
import type { OrderDetail, OrderState } from './floor-types';
import { OrderFacts, StateBadge } from './order-facts';
import { ParametersPanel } from './parameters-panel';
import { ProgressForm } from './progress-form';

/** The states in which an order is on the floor, and its recipe is the operator's to see. */
const ON_THE_FLOOR: readonly OrderState[] = ['dispatched', 'running', 'paused'];

/** The one-tap commands offered in each state (progress and complete have their own steps). */
const COMMANDS_IN: Readonly<Partial<Record<OrderState, readonly { command: FloorCommand; label: string }[]>>> = {
  dispatched: [{ command: 'start', label: 'Start' }],
  running: [{ command: 'pause', label: 'Pause' }],
  paused: [{ command: 'resume', label: 'Resume' }],
};

/** The order's card; `onChanged` gets the order as the server holds it after a command, `onStale` asks the board to reload. */
export function BoardOrder(props: { readonly order: OrderDetail; readonly onChanged: (order: OrderDetail) => void; readonly onStale: () => void }) {
  const { order } = props;
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [reporting, setReporting] = useState(false);
  const [confirmingComplete, setConfirmingComplete] = useState(false);
  const headingId = `order-${order.id}`;
  const running = order.state === 'running';
  const canComplete = order.state === 'running' || order.state === 'paused';

  // A state change heard live closes what no longer applies.
  useEffect(() => {
    if (!running) setReporting(false);
    if (!canComplete) setConfirmingComplete(false);
  }, [running, canComplete]);

  const send = async (command: FloorCommand) => {
    setBusy(true);
    setError(undefined);
    try {
      props.onChanged(await orderCommand(order.id, command, { version: order.version }));
      setConfirmingComplete(false);
    } catch (failure) {
      setError(failure);
      // Someone (or a machine) changed it meanwhile: show it as it is now.
      if (isApiError(failure, 'stale-version') || isApiError(failure, 'illegal-transition')) props.onStale();
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="floor-board-order" aria-labelledby={headingId}>
      <header className="floor-board-order-head">
        <h2 id={headingId}>{order.number}</h2>
        <StateBadge order={order} />
      </header>
      <OrderFacts order={order} />
      {order.state === 'held' && <p className="alert alert-error">Quality has put this order on hold. Wait for quality to release it.</p>}
      {order.content.notes !== null && order.content.notes !== '' && <p className="floor-order-notes">{order.content.notes}</p>}
      <details className="floor-order-more">
        <summary>Routing and materials</summary>
        <h3>Operations</h3>
        <ol className="floor-plain-list">
          {order.content.operations.map((operation) => (
            <li key={operation.seq}>
              {operation.seq} · {operation.code}: {operation.description}
            </li>
          ))}
        </ol>
        <h3>Materials</h3>
        {order.content.materials.length === 0 ? (
          <p className="muted">No materials.</p>
        ) : (
          <ul className="floor-plain-list">
            {order.content.materials.map((material) => (
              <li key={material.line}>
                Line {material.line}: {material.itemCode} {material.quantity.value} {material.quantity.unit}
                {material.lotTracked ? ' (lot tracked)' : ''}
              </li>
            ))}
          </ul>
        )}
      </details>
      {ON_THE_FLOOR.includes(order.state) && <ParametersPanel key={order.revision} order={order} />}
      <ErrorAlert error={error} />
      {reporting && running ? (
        <ProgressForm order={order} onReported={props.onChanged} onCancel={() => setReporting(false)} />
      ) : confirmingComplete ? (
        <ConfirmComplete order={order} busy={busy} onConfirm={() => void send('complete')} onCancel={() => setConfirmingComplete(false)} />
      ) : (
        <div className="floor-board-actions">
          {(COMMANDS_IN[order.state] ?? []).map(({ command, label }) => (
            <button key={command} type="button" className="button button-primary floor-button-large" disabled={busy} aria-describedby={headingId} onClick={() => void send(command)}>
              {label}
            </button>
          ))}
          {running && (
            <button type="button" className="button floor-button-large" aria-describedby={headingId} onClick={() => setReporting(true)}>
              Report progress
            </button>
          )}
          {canComplete && (
            <button type="button" className="button floor-button-large" disabled={busy} aria-describedby={headingId} onClick={() => setConfirmingComplete(true)}>
              Complete
            </button>
          )}
        </div>
      )}
    </article>
  );
}

/** The step before completing: an order completed cannot run again. */
function ConfirmComplete(props: { readonly order: OrderDetail; readonly busy: boolean; readonly onConfirm: () => void; readonly onCancel: () => void }) {
  // The question, not the button: a second tap or Enter must not complete the order unread.
  const question = useRef<HTMLParagraphElement>(null);
  useEffect(() => question.current?.focus(), []);
  const id = `confirm-complete-${props.order.id}`;
  return (
    <div className="confirm" role="group" aria-labelledby={id}>
      <p id={id} ref={question} tabIndex={-1}>
        Complete {props.order.number} with {props.order.goodQuantity} {props.order.unit} good and {props.order.scrapQuantity} {props.order.unit} scrap? It cannot run again.
      </p>
      <div className="actions">
        <button type="button" className="button button-primary floor-button-large" disabled={props.busy} onClick={props.onConfirm}>
          Yes, complete
        </button>
        <button type="button" className="button floor-button-large" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

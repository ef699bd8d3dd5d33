/** The explicit confirmation step in front of every dangerous admin action: it says what will happen, then asks. */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { ErrorAlert } from '../components/error-alert';

/**
 * A question naming the action and its consequences, optional inputs the action needs (a reason),
 * the server's refusal when there is one, and two buttons; focus moves to the confirm button.
 */
export function ConfirmStep(props: {
  readonly question: string;
  readonly confirmLabel: string;
  readonly busy: boolean;
  readonly error?: unknown;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
  readonly children?: ReactNode;
}) {
  const questionId = useId();
  const confirmButton = useRef<HTMLButtonElement>(null);
  // Without inputs, the decision is the next thing to do: focus the button that carries it out.
  const focusConfirm = props.children === undefined;
  useEffect(() => {
    if (focusConfirm) confirmButton.current?.focus();
  }, [focusConfirm]);
  return (
    <div className="confirm" role="group" aria-labelledby={questionId}>
      <p id={questionId}>{props.question}</p>
      {props.children}
      <ErrorAlert error={props.error} />
      <div className="actions">
        <button type="button" ref={confirmButton} className="button button-danger" disabled={props.busy} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** The explicit confirmation step in front of every dangerous admin action: it says what will happen, then asks. */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { ErrorAlert } from '../components/error-alert';

/**
 * A question naming the action and its consequences, optional inputs the action needs (a reason),
 * the server's refusal when there is one, and two buttons. Focus moves to the question, so a
 * screen reader reads it first and an Enter pressed once more does not carry the action out.
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
  const question = useRef<HTMLParagraphElement>(null);
  useEffect(() => question.current?.focus(), []);
  return (
    <div className="confirm" role="group" aria-labelledby={questionId}>
      <p id={questionId} ref={question} tabIndex={-1}>
        {props.question}
      </p>
      {props.children}
      <ErrorAlert error={props.error} />
      <div className="actions">
        <button type="button" className="button button-danger" disabled={props.busy} onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** An error message that screen readers announce as soon as it appears. */
import { messageOf } from '../api';

/** Shows `error` (an API problem or anything thrown) as an alert; nothing when there is none. */
export function ErrorAlert(props: { readonly error: unknown }) {
  if (props.error === undefined) return null;
  return (
    <p className="alert alert-error" role="alert">
      {messageOf(props.error)}
    </p>
  );
}

/** A polite status line (a success or a notice) that screen readers read when it changes. */
export function StatusMessage(props: { readonly children: string | undefined }) {
  if (props.children === undefined) return null;
  return (
    <p className="alert alert-status" role="status">
      {props.children}
    </p>
  );
}

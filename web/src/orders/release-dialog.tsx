/**
 * The electronic signature of a release (21 CFR 11.50/11.200 style): shows exactly what is signed
 * (order, revision, the full SHA-256 content hash the server signs), asks again for the password
 * and a current one-time code, and the meaning the signer states. The version the approver saw is
 * sent with it, so a change made meanwhile is refused rather than signed unseen.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { TextField } from '../components/text-field';
import { useSignedInUser } from '../session-context';
import { orderCommand } from './orders-api';
import type { OrderDetail } from './order-types';

/** The default meaning of a release (src/domain/order.ts DEFAULT_SIGNATURE_MEANINGS). */
const DEFAULT_MEANING = 'approved for production';

/** A modal dialog; `onReleased` gets the released order. */
export function ReleaseDialog(props: { readonly order: OrderDetail; readonly onReleased: (order: OrderDetail) => void; readonly onClose: () => void }) {
  const { order } = props;
  const user = useSignedInUser();
  const dialog = useRef<HTMLDialogElement>(null);
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [meaning, setMeaning] = useState(DEFAULT_MEANING);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const element = dialog.current;
    if (element !== null && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  const sign = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const released = await orderCommand(order.id, 'release', {
        version: order.version,
        password,
        ...(totp.trim() !== '' ? { totp: totp.trim() } : {}),
        ...(meaning.trim() !== '' ? { meaning: meaning.trim() } : {}),
      });
      props.onReleased(released);
    } catch (failure) {
      setError(failure);
      // A one-time code is good for one try; the password stays for the next.
      setTotp('');
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="dialog" aria-labelledby="release-heading" aria-describedby="release-statement" onCancel={props.onClose}>
      <form className="form" onSubmit={(event) => void sign(event)}>
        <h2 id="release-heading">Sign the release of {order.number}</h2>
        <dl className="facts">
          <dt>Order</dt>
          <dd>{order.number}</dd>
          <dt>Revision</dt>
          <dd>{order.revision}</dd>
          <dt id="release-hash-label">Content hash (SHA-256)</dt>
          <dd>
            <code className="hash" aria-labelledby="release-hash-label">
              {order.contentHash}
            </code>
          </dd>
        </dl>
        <p id="release-statement">
          You, {user.displayName} ({user.username}), sign revision {order.revision} of order {order.number}, the content with exactly the hash above, with the meaning you state
          below. Your signature is recorded and cannot be undone.
        </p>
        <TextField label="Meaning of your signature" value={meaning} onValueChange={setMeaning} autoComplete="off" />
        <TextField label="Your password" type="password" value={password} onValueChange={setPassword} autoComplete="current-password" autoFocus />
        <TextField label="One-time code" hint="The 6-digit code from your authenticator app." value={totp} onValueChange={setTotp} inputMode="numeric" autoComplete="one-time-code" />
        <ErrorAlert error={error} />
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            Sign and release
          </button>
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

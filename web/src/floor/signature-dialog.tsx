/**
 * The electronic-signature dialog (21 CFR Part 11 style): it shows exactly what is signed (the
 * order, its revision and content hash, the action), asks for the stated meaning, the password
 * and the one-time code, and sends them with the command. The server checks them; its refusal
 * is shown in the dialog and nothing changes.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ErrorAlert } from '../components/error-alert';
import { TextField } from '../components/text-field';
import type { OrderDetail } from './floor-types';

/** What the signer re-enters. */
export interface SignatureInput {
  readonly meaning: string;
  readonly password: string;
  readonly totp?: string;
}

/** A modal dialog that signs `actionLabel` of `order`; `onSign` sends the command and rejects with the API's error. */
export function SignatureDialog(props: {
  readonly order: OrderDetail;
  readonly title: string;
  readonly actionLabel: string;
  readonly defaultMeaning: string;
  readonly onSign: (signature: SignatureInput) => Promise<void>;
  readonly onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [meaning, setMeaning] = useState(props.defaultMeaning);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const titleId = `signature-title-${props.order.id}`;

  useEffect(() => {
    const element = dialog.current;
    if (element !== null && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const totp = code.replace(/\s+/g, '');
      await props.onSign({ meaning: meaning.trim(), password, ...(totp === '' ? {} : { totp }) });
    } catch (failure) {
      setError(failure);
      setCode('');
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} className="floor-signature-dialog" aria-labelledby={titleId} onCancel={props.onClose}>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <h2 id={titleId}>{props.title}</h2>
        <p>You are signing electronically, with your name and the time, the following:</p>
        <dl className="facts">
          <dt>Action</dt>
          <dd>{props.actionLabel}</dd>
          <dt>Order</dt>
          <dd>{props.order.number}</dd>
          <dt>Revision</dt>
          <dd>{props.order.revision}</dd>
          <dt>Content hash</dt>
          <dd>
            <code className="floor-hash">{props.order.contentHash}</code>
          </dd>
        </dl>
        <TextField label="Meaning of your signature" value={meaning} onValueChange={setMeaning} autoComplete="off" />
        <TextField label="Your password" type="password" value={password} onValueChange={setPassword} autoComplete="current-password" />
        <TextField label="One-time code" hint="The 6-digit code from your authenticator app." value={code} onValueChange={setCode} inputMode="numeric" autoComplete="one-time-code" spellCheck={false} />
        <ErrorAlert error={error} />
        <div className="actions">
          <button type="submit" className="button button-primary floor-button-large" disabled={busy}>
            Sign
          </button>
          <button type="button" className="button floor-button-large" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** A dangerous action behind a button: opens a form for the reason (and a signature where one is needed), then confirms. */
import { useState, type FormEvent } from 'react';
import { TextField } from '../components/text-field';

/** The re-authentication of a signed action. */
export interface SignatureInput {
  readonly password: string;
  readonly totp?: string;
}

/** `action` names both the opening button and the confirming one; `onSubmit` answers whether it worked (the form then closes). */
export function ReasonForm(props: {
  readonly action: string;
  readonly reasonLabel: string;
  readonly busy: boolean;
  readonly signed?: boolean;
  readonly onSubmit: (reason: string, signature: SignatureInput | Record<string, never>) => Promise<boolean>;
}) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const signature = props.signed ? { password, ...(totp.trim() !== '' ? { totp: totp.trim() } : {}) } : {};
    if (await props.onSubmit(reason.trim(), signature)) {
      setOpen(false);
      setReason('');
      setPassword('');
      setTotp('');
    }
  };

  if (!open) {
    return (
      <div className="actions">
        <button type="button" className="button button-danger" onClick={() => setOpen(true)}>
          {props.action}…
        </button>
      </div>
    );
  }
  return (
    <form className="form confirm" aria-label={props.action} onSubmit={(event) => void submit(event)}>
      <TextField label={props.reasonLabel} value={reason} onValueChange={setReason} autoComplete="off" autoFocus />
      {props.signed && (
        <>
          <p>This is an electronic signature: confirm it is you.</p>
          <TextField label="Your password" type="password" value={password} onValueChange={setPassword} autoComplete="current-password" />
          <TextField label="One-time code" value={totp} onValueChange={setTotp} inputMode="numeric" autoComplete="one-time-code" />
        </>
      )}
      <div className="actions">
        <button type="submit" className="button button-danger" disabled={props.busy}>
          {props.action}
        </button>
        <button type="button" className="button" onClick={() => setOpen(false)}>
          Back
        </button>
      </div>
    </form>
  );
}

/** The confirmation in front of a change to the user's own second factor, with the re-authentication it needs. */
import { useState } from 'react';
import { ApiError } from '../api';
import { ConfirmStep } from '../admin/confirm-step';
import { TextField } from './text-field';

/** Refused before the server is asked: it needs both, and an empty field would count as a failed attempt. */
const MISSING = new ApiError({ status: 0, code: 'reauthentication-missing', title: 'Type your password and a code from your authenticator app (or a recovery code)' });

/**
 * `question` says what happens; the password and a current code (or a recovery code) prove it is
 * the user at the keyboard, as the server asks. `onConfirm` throws the server's refusal, shown here.
 */
export function MfaReauthStep(props: {
  readonly question: string;
  readonly confirmLabel: string;
  readonly onConfirm: (password: string, code: string) => Promise<void>;
  readonly onCancel: () => void;
}) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const confirm = async () => {
    const typed = code.replace(/\s+/g, '');
    if (password === '' || typed === '') {
      setError(MISSING);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm(password, typed);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <ConfirmStep question={props.question} confirmLabel={props.confirmLabel} busy={busy} error={error} onConfirm={() => void confirm()} onCancel={props.onCancel}>
      <TextField label="Your password" type="password" value={password} onValueChange={setPassword} autoComplete="current-password" required />
      <TextField
        label="Code from your authenticator app"
        hint="Or one of your recovery codes."
        value={code}
        onValueChange={setCode}
        autoComplete="one-time-code"
        spellCheck={false}
        required
      />
    </ConfirmStep>
  );
}

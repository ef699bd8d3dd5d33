/** The password change form: current password, new password twice, checked as the server checks it. */
import { useState, type FormEvent } from 'react';
import { changePassword } from '../account-api';
import { ApiError } from '../api';
import { ErrorAlert } from './error-alert';
import { TextField } from './text-field';

/** The password policy's minimum length (src/access/passwords.ts MIN_PASSWORD_LENGTH). */
const MIN_PASSWORD_LENGTH = 12;

/** What is wrong with the new password before the server is asked, as the server would say it; undefined when nothing. */
function problemWith(current: string, next: string, repeat: string): ApiError | undefined {
  const detail =
    next.length < MIN_PASSWORD_LENGTH ? `The new password must be at least ${MIN_PASSWORD_LENGTH} characters.`
    : next !== repeat ? 'The new password and its repetition differ.'
    : next === current ? 'The new password must differ from the current one.'
    : undefined;
  return detail === undefined ? undefined : new ApiError({ status: 400, code: 'validation-failed', title: 'The request is not valid', detail });
}

/** Changes the user's own password; calls `onChanged` once the server accepted it. */
export function ChangePasswordForm(props: { readonly onChanged: () => void | Promise<void> }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const problem = problemWith(current, next, repeat);
    setError(problem);
    if (problem !== undefined) return;
    setBusy(true);
    try {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      setRepeat('');
      await props.onChanged();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={(event) => void submit(event)}>
      <TextField label="Current password" type="password" value={current} onValueChange={setCurrent} autoComplete="current-password" required />
      <TextField
        label="New password"
        type="password"
        hint={`At least ${MIN_PASSWORD_LENGTH} characters; a few unrelated words make a strong one. Common and breached passwords are refused.`}
        value={next}
        onValueChange={setNext}
        autoComplete="new-password"
        required
      />
      <TextField label="Repeat new password" type="password" value={repeat} onValueChange={setRepeat} autoComplete="new-password" required />
      <ErrorAlert error={error} />
      <button type="submit" className="button button-primary" disabled={busy}>
        Change password
      </button>
    </form>
  );
}

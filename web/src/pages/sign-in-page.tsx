/** Sign-in: username and password, then a one-time code when the account has a second factor. */
import { useState, type FormEvent } from 'react';
import { isApiError } from '../api';
import { ErrorAlert, StatusMessage } from '../components/error-alert';
import { TextField } from '../components/text-field';
import { usePageTitle } from '../page-title';
import { useSession } from '../session-context';

/** The sign-in screen, shown whenever no one is signed in. */
export function SignInPage() {
  usePageTitle('Sign in');
  const { signIn, notice } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [codeNeeded, setCodeNeeded] = useState(false);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const totp = code.trim();
      await signIn({ username: username.trim(), password, ...(codeNeeded && totp !== '' ? { totp } : {}) });
    } catch (failure) {
      if (isApiError(failure, 'mfa-required') && !codeNeeded) {
        // The first answer for an account with a second factor: ask for the code, no error yet.
        setCodeNeeded(true);
      } else {
        setError(failure);
        if (isApiError(failure, 'mfa-invalid')) setCode('');
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="page page-narrow" id="main">
      <h1>Sign in to Forgeline</h1>
      <StatusMessage>{notice}</StatusMessage>
      <StatusMessage>{codeNeeded ? 'This account has two-factor authentication: enter a one-time code to finish signing in.' : undefined}</StatusMessage>
      <form className="form" onSubmit={(event) => void submit(event)}>
        <TextField label="Username" value={username} onValueChange={setUsername} autoComplete="username" autoCapitalize="none" spellCheck={false} required />
        <TextField label="Password" type="password" value={password} onValueChange={setPassword} autoComplete="current-password" required />
        {codeNeeded && (
          <TextField
            label="One-time code"
            hint="Enter the 6-digit code from your authenticator app, or one of your recovery codes."
            value={code}
            onValueChange={setCode}
            autoComplete="one-time-code"
            autoCapitalize="none"
            spellCheck={false}
            autoFocus
            required
          />
        )}
        <ErrorAlert error={error} />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
